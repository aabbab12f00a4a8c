#pragma once
// A configuration that a test changes while the code under test reads it from other threads
// (through a std::function<ConfigPtr()>), with only the named Sparks given a host.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/config_store.h"

namespace spark::test {

class SparkConfigs {
 public:
  explicit SparkConfigs(const std::vector<std::string>& with_host) { SetSparks(with_host); }
  // From now on only the Sparks in `with_host` are configured (ConfiguredSparks). Thread-safe.
  void SetSparks(const std::vector<std::string>& with_host) {
    auto config = std::make_shared<Config>();
    for (auto& entry : config->sparks) entry.second.host.reset();
    for (const std::string& name : with_host) config->sparks[name].host = name + ".lan";
    std::lock_guard lock(mu_);
    config_ = std::move(config);
  }
  ConfigPtr Get() const {
    std::lock_guard lock(mu_);
    return config_;
  }

 private:
  mutable std::mutex mu_;
  ConfigPtr config_;
};

}  // namespace spark::test
