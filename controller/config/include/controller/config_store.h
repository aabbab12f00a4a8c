#pragma once
// The single owner of the effective configuration. Layers, highest first:
// flags > environment > overlay (DATA/config.yaml, written only by Apply) > demo >
// operator file (--config, never written) > defaults. Thread-safe.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "controller/config.h"
#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

using ConfigPtr = std::shared_ptr<const Config>;

// A config key set by the environment (or a flag) that PUT /api/config may not change.
struct Pin {
  std::string path;    // dotted key, "sparks.spark1.host"
  std::string source;  // "SPARK1_HOST"
};

struct ConfigSources {
  std::optional<std::filesystem::path> operator_file;  // --config
  std::filesystem::path overlay_file;                  // DATA/config.yaml
  nlohmann::json demo = nlohmann::json::object();      // the demo's loopback endpoints
  std::map<std::string, std::string> environment;      // variable → value (only ours are read)
};

// Which layer gave a key its effective value.
enum class ConfigLayer { kDefault, kOperator, kDemo, kOverlay, kEnvironment };

class ConfigStore {
 public:
  // Loads every layer. An invalid operator file is an error (the caller exits 2); an
  // invalid overlay is set aside (config.yaml.corrupt-TIMESTAMP) and reported in
  // `startup_notes`, never fatal. A file named by the overlay (catalog.path, ssh.key_path)
  // that is not a readable regular file is dropped from the overlay in memory (the lower
  // layers apply: the bundled catalog, the generated key) and noted; the file on disk is
  // kept as it is until the next successful Apply rewrites it.
  static Result<std::unique_ptr<ConfigStore>> Open(ConfigSources sources, const Clock& clock);

  ConfigPtr Current() const;
  uint64_t version() const;
  const std::vector<Pin>& pins() const { return pins_; }
  // Messages about the load (a set-aside overlay), for the log and /api/status warnings.
  std::vector<std::string> startup_notes() const;

  // The layer that gives `dotted` ("catalog.path") its current value.
  ConfigLayer LayerOf(const std::string& dotted) const;

  // Applies a merge patch to the overlay (null resets a key to the lower layers), validates
  // the result, writes the overlay atomically and only then publishes it. A URL key sent
  // back exactly as Describe masked it keeps its stored value; a new catalog.path or
  // ssh.key_path must name a readable regular file. Errors: invalid_field (400), pinned
  // (409), storage_failed. On error nothing changes.
  Result<ConfigPtr> Apply(const nlohmann::json& patch);

  // GET /api/config: the effective tree without secrets, plus "pinned" (the pinned keys) and
  // "pinned_by" (each pinned key → the variable that pins it).
  nlohmann::json Describe() const;

  // Called after every successful Apply with the new config, on the caller's thread.
  void OnChange(std::function<void(const Config&)> listener);

 private:
  ConfigStore() = default;
  Result<Config> Compose(const nlohmann::json& overlay) const;
  void DropUnusableOverlayFiles();
  Status ResolveMaskedValues(nlohmann::json& patch, const Config& before) const;

  ConfigSources sources_;
  nlohmann::json operator_tree_ = nlohmann::json::object();
  nlohmann::json env_tree_ = nlohmann::json::object();
  std::vector<Pin> pins_;
  std::vector<std::string> notes_;

  mutable std::mutex mu_;  // guards overlay_, current_, version_, listeners_
  nlohmann::json overlay_ = nlohmann::json::object();
  ConfigPtr current_;
  uint64_t version_ = 1;
  std::vector<std::function<void(const Config&)>> listeners_;
  std::mutex apply_mu_;  // serialises Apply (validate + write + publish)
};

// The environment variables of API.md and the config keys they set: the one table the
// process reads its environment with, pins keys by, and GET /api/config reports ("pinned_by").
struct EnvKey {
  const char* variable;  // "SPARK1_HOST"
  const char* path;      // "sparks.spark1.host"
};
std::span<const EnvKey> EnvironmentKeys();

// Our variables from the environment (`getenv` is ::getenv in the binary, a map in tests).
std::map<std::string, std::string> ReadEnvironment(
    const std::function<const char*(const char*)>& getenv);

// The environment variables of API.md mapped to config keys.
std::vector<Pin> EnvironmentPins(const std::map<std::string, std::string>& environment);

}  // namespace spark
