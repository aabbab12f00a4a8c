#pragma once
// Golden files: tests/golden/NAME holds the expected text of an output. MatchesGolden compares
// and, on a mismatch, prints a line diff ("-" golden, "+" actual, with 2 lines of context).
// With SPARK_UPDATE_GOLDEN=1 in the environment it rewrites the file instead and passes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace spark::test {

inline std::filesystem::path GoldenPath(const std::string& name) {
  return std::filesystem::path(SPARK_SOURCE_DIR) / "tests" / "golden" / name;
}

inline std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A line diff from the longest common subsequence (outputs here are a few hundred lines).
inline std::string LineDiff(const std::string& expected, const std::string& actual) {
  const std::vector<std::string> a = SplitLines(expected), b = SplitLines(actual);
  std::vector<std::vector<size_t>> common(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      common[i][j] =
          a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::vector<std::string> lines;  // each prefixed with ' ', '-' or '+'
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      lines.push_back(" " + a[i++]);
      ++j;
    } else if (i < a.size() && (j == b.size() || common[i + 1][j] >= common[i][j + 1])) {
      lines.push_back("-" + a[i++]);
    } else {
      lines.push_back("+" + b[j++]);
    }
  }
  std::ostringstream out;
  bool skipped = false;
  for (size_t k = 0; k < lines.size(); ++k) {
    bool near_change = false;
    for (size_t d = (k < 2 ? 0 : k - 2); d <= std::min(k + 2, lines.size() - 1); ++d) {
      near_change = near_change || lines[d][0] != ' ';
    }
    if (near_change) {
      if (skipped) out << "@@ line " << k + 1 << " @@\n";
      out << lines[k] << "\n";
      skipped = false;
    } else {
      skipped = true;
    }
  }
  return out.str();
}

inline ::testing::AssertionResult MatchesGolden(const std::string& name,
                                                const std::string& actual) {
  const std::filesystem::path path = GoldenPath(name);
  const char* update = std::getenv("SPARK_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return ::testing::AssertionSuccess() << "rewrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ::testing::AssertionFailure()
           << path << " is missing; create it with SPARK_UPDATE_GOLDEN=1";
  }
  const std::string expected((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (expected == actual) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << name << " differs from the golden file (- golden, + now; SPARK_UPDATE_GOLDEN=1 "
         << "rewrites it after a deliberate change):\n--- " << path << "\n+++ actual\n"
         << LineDiff(expected, actual);
}

}  // namespace spark::test
