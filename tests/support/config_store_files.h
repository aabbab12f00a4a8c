#pragma once
// A ConfigStore over files in a test's temp dir: `operator_yaml` (when not empty) is written
// as DIR/operator.yaml and passed as --config, the overlay is DIR/config.yaml. A store that
// does not open fails the test (and gives nullptr).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/config_store.h"

namespace spark::test {

inline std::unique_ptr<ConfigStore> OpenConfigStoreIn(
    const std::filesystem::path& dir, const std::string& operator_yaml, const Clock& clock,
    std::map<std::string, std::string> env = {}, nlohmann::json demo = nlohmann::json::object()) {
  ConfigSources sources;
  if (!operator_yaml.empty()) {
    std::ofstream(dir / "operator.yaml") << operator_yaml;
    sources.operator_file = dir / "operator.yaml";
  }
  sources.overlay_file = dir / "config.yaml";
  sources.environment = std::move(env);
  sources.demo = std::move(demo);
  auto store = ConfigStore::Open(std::move(sources), clock);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

}  // namespace spark::test
