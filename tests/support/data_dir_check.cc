#include "support/data_dir_check.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace spark::test {
namespace fs = std::filesystem;

std::vector<std::string> TornFiles(const fs::path& data_dir) {
  std::vector<std::string> problems;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const fs::path& path = entry.path();
    const std::string name = fs::relative(path, data_dir).string();
    if (path.extension() == ".jsonl") {
      std::ifstream in(path, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!text.empty() && text.back() != '\n') problems.push_back(name + ": torn last line");
      size_t start = 0;
      for (int number = 1; start < text.size(); ++number) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        const auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!parsed.is_object()) {
          problems.push_back(name + ":" + std::to_string(number) +
                             ": not a JSON object: " + line.substr(0, 120));
        }
        start = end + 1;
      }
    } else if (path.extension() == ".yaml") {
      try {
        (void)YAML::LoadFile(path.string());
      } catch (const std::exception& e) {
        problems.push_back(name + ": does not load as YAML: " + e.what());
      }
    }
  }
  return problems;
}

std::vector<std::string> Leftovers(const fs::path& data_dir, pid_t except_pid) {
  std::vector<std::string> found;
  const std::string own = ".tmp-spark-" + std::to_string(except_pid);
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool temp = name.find(".tmp-spark-") != std::string::npos && !name.ends_with(own);
    if (temp || name.find(".corrupt-") != std::string::npos) {
      found.push_back(fs::relative(entry.path(), data_dir).string());
    }
  }
  return found;
}

}  // namespace spark::test
