#pragma once
// Whole files as text, for tests that read what the code under test wrote. One definition for
// every test binary: two inline helpers of the same name and signature in different headers
// are an ODR violation, and the linker silently keeps one of them for every caller.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace spark::test {

// The whole file; empty when it cannot be read.
inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The file without its trailing newlines (a pid file, a one-line known_hosts).
inline std::string ReadTrimmedText(const std::filesystem::path& path) {
  std::string text = ReadText(path);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Writes `text` to `path` and makes it executable by its owner (a fake tool on a test's PATH).
inline void WriteExecutable(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path) << text;
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

}  // namespace spark::test
