#include "controller/config_store.h"

#include "controller/config_schema.h"
#include "exporter/file_io.h"

namespace spark {
namespace {

using json = nlohmann::json;

constexpr EnvKey kEnvKeys[] = {
    {"SPARK1_HOST", "sparks.spark1.host"},
    {"SPARK1_USER", "sparks.spark1.user"},
    {"SPARK2_HOST", "sparks.spark2.host"},
    {"SPARK2_USER", "sparks.spark2.user"},
    {"SSH_KEY_PATH", "ssh.key_path"},
    {"SPARK_CONTROL_TOKEN", "auth.token"},
    {"SPARK_CONTROL_REPORT_TOKEN", "auth.report_token"},
};

// Keys that name a local file, and what applies when the overlay's file cannot be used.
struct FileKey {
  const char* path;
  const char* fallback;
};
constexpr FileKey kFileKeys[] = {
    {"catalog.path", "the bundled catalog"},
    {"ssh.key_path", "the key spark-control generates in DATA/ssh"},
};

json::json_pointer Pointer(const std::string& dotted) {
  std::string p;
  size_t start = 0;
  while (start <= dotted.size()) {
    const size_t dot = dotted.find('.', start);
    p.push_back('/');
    p.append(dotted, start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return json::json_pointer(p);
}

json ValueAt(const json& tree, const std::string& dotted) {
  const auto ptr = Pointer(dotted);
  return tree.contains(ptr) ? tree.at(ptr) : json();
}

// The value a merge patch gives to `ptr`: the value when the patch names it, null when it
// deletes the key or one of its parents, nullopt when the patch leaves it alone.
std::optional<json> PatchedValue(const json& patch, const json::json_pointer& ptr) {
  if (patch.contains(ptr)) return patch.at(ptr);
  for (auto parent = ptr.parent_pointer(); !parent.empty(); parent = parent.parent_pointer()) {
    if (patch.contains(parent)) {
      const json& v = patch.at(parent);
      if (v.is_null()) return json();
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Each credential URL key of `object` (the patch, or one `clusters` entry of it) sent back
// with the mask GET /api/config shows is resolved against `stored`, the same object in the
// stored config: a match keeps the stored URL (left out of the patch with `erase_kept`, else
// put back in), anything else masked is refused, naming `prefix` + the key.
Status ResolveMaskedUrls(json& object, const json& stored, const std::string& prefix,
                         bool erase_kept) {
  for (const char* key : kCredentialUrlKeys) {
    const auto ptr = Pointer(key);
    if (!object.contains(ptr)) continue;
    const json& sent = object.at(ptr);
    if (!sent.is_string() || !HasMaskedCredentials(sent.get_ref<const std::string&>())) continue;
    const json current = ValueAt(stored, key);
    if (current.is_string() && MaskUrlCredentials(current.get_ref<const std::string&>()) == sent) {
      if (erase_kept) {
        object.at(ptr.parent_pointer()).erase(ptr.back());
      } else {
        object.at(ptr) = current;
      }
      continue;
    }
    const std::string field = prefix + key;
    return Status::Error(ErrorCode::kInvalidField,
                         field +
                             ": holds the mask *** where credentials belong but does not match the "
                             "stored URL; send the whole URL, or " +
                             (erase_kept ? "leave the key out to keep it"
                                         : "the mask of the stored entry of the same name"),
                         field);
  }
  return Status::Ok();
}

}  // namespace

std::span<const EnvKey> EnvironmentKeys() { return kEnvKeys; }

std::map<std::string, std::string> ReadEnvironment(
    const std::function<const char*(const char*)>& getenv) {
  std::map<std::string, std::string> env;
  for (const EnvKey& key : kEnvKeys) {
    if (const char* value = getenv(key.variable)) env[key.variable] = value;
  }
  return env;
}

std::vector<Pin> EnvironmentPins(const std::map<std::string, std::string>& environment) {
  std::vector<Pin> pins;
  for (const EnvKey& key : kEnvKeys) {
    const auto it = environment.find(key.variable);
    if (it != environment.end() && !it->second.empty()) pins.push_back({key.path, key.variable});
  }
  return pins;
}

Result<std::unique_ptr<ConfigStore>> ConfigStore::Open(ConfigSources sources, const Clock& clock) {
  std::unique_ptr<ConfigStore> store(new ConfigStore());
  if (sources.operator_file) {
    const std::string origin = sources.operator_file->string();
    auto text = ReadFile(*sources.operator_file);
    if (!text.ok()) return Status::Error(ErrorCode::kInvalidConfig, text.status().message());
    auto tree = ParseYamlTree(*text, origin);
    if (!tree.ok()) return Status::Error(ErrorCode::kInvalidConfig, tree.status().message());
    auto decoded = DecodeConfig(*tree);
    if (!decoded.ok()) {
      return Status::Error(ErrorCode::kInvalidConfig, origin + ": " + decoded.status().message(),
                           decoded.status().field());
    }
    store->operator_tree_ = std::move(tree).value();
  }
  store->pins_ = EnvironmentPins(sources.environment);
  for (const Pin& pin : store->pins_) {
    store->env_tree_[Pointer(pin.path)] = sources.environment.at(pin.source);
  }
  // The overlay: any problem sets the file aside and starts from no overlay.
  auto overlay_text = ReadFile(sources.overlay_file);
  if (overlay_text.ok()) {
    const std::string origin = sources.overlay_file.string();
    auto tree = ParseYamlTree(*overlay_text, origin);
    Status problem = tree.status();
    if (problem.ok()) {
      store->sources_ = sources;
      auto composed = store->Compose(*tree);
      problem = composed.status();
      if (problem.ok()) store->overlay_ = std::move(tree).value();
    }
    if (!problem.ok()) {
      auto aside = SetAside(sources.overlay_file, clock.WallNow());
      store->notes_.push_back("ignored the overlay " + origin + " (" + problem.message() +
                              "); kept it as " + (aside.ok() ? aside->string() : "-") +
                              " and started from the operator config");
    }
  }
  store->sources_ = std::move(sources);
  store->DropUnusableOverlayFiles();
  auto composed = store->Compose(store->overlay_);
  if (!composed.ok()) {
    // Only the environment can still be wrong here (e.g. a host with a scheme).
    return Status::Error(ErrorCode::kInvalidConfig, "environment: " + composed.status().message(),
                         composed.status().field());
  }
  store->current_ = std::make_shared<const Config>(std::move(composed).value());
  return store;
}

Result<Config> ConfigStore::Compose(const json& overlay) const {
  if (Status s = CheckOverlayTree(overlay); !s.ok()) return s;
  static const json kDefaults = EncodeConfig(Config(), /*redact=*/false);
  json tree = kDefaults;
  tree.merge_patch(operator_tree_);
  tree.merge_patch(sources_.demo);
  tree.merge_patch(overlay);
  tree.merge_patch(env_tree_);
  return DecodeConfig(tree);
}

void ConfigStore::DropUnusableOverlayFiles() {
  for (const FileKey& key : kFileKeys) {
    if (LayerOf(key.path) != ConfigLayer::kOverlay) continue;
    const auto ptr = Pointer(key.path);
    const json& value = overlay_.at(ptr);
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) continue;
    const Status usable = CheckRegularFile(value.get<std::string>());
    if (usable.ok()) continue;
    overlay_.at(ptr.parent_pointer()).erase(ptr.back());
    notes_.push_back(std::string(key.path) + " (set through PUT /api/config): " + usable.message() +
                     "; using " + key.fallback + " instead until " + key.path + " is set again");
  }
}

ConfigLayer ConfigStore::LayerOf(const std::string& dotted) const {
  const auto ptr = Pointer(dotted);
  if (env_tree_.contains(ptr)) return ConfigLayer::kEnvironment;
  {
    std::lock_guard lock(mu_);
    if (overlay_.contains(ptr)) return ConfigLayer::kOverlay;
  }
  if (sources_.demo.contains(ptr)) return ConfigLayer::kDemo;
  if (operator_tree_.contains(ptr)) return ConfigLayer::kOperator;
  return ConfigLayer::kDefault;
}

Status ConfigStore::ResolveMaskedValues(json& patch, const Config& before) const {
  const json stored = EncodeConfig(before, /*redact=*/false);
  if (Status s = ResolveMaskedUrls(patch, stored, "", /*erase_kept=*/true); !s.ok()) return s;
  json* list = patch.contains("clusters") ? &patch["clusters"] : nullptr;
  if (list == nullptr || !list->is_array()) return Status::Ok();
  for (size_t i = 0; i < list->size(); ++i) {
    json& entry = (*list)[i];
    if (!entry.is_object() || !entry.contains("name")) continue;
    json stored_entry = json::object();
    for (const json& candidate : stored.at("clusters")) {
      if (candidate.at("name") == entry.at("name")) stored_entry = candidate;
    }
    const std::string prefix = "clusters[" + std::to_string(i) + "].";
    // The list replaces the stored one whole: a kept URL is written back, not left out.
    if (Status s = ResolveMaskedUrls(entry, stored_entry, prefix, /*erase_kept=*/false); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

ConfigPtr ConfigStore::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

uint64_t ConfigStore::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

std::vector<std::string> ConfigStore::startup_notes() const { return notes_; }

Result<ConfigPtr> ConfigStore::Apply(const json& patch) {
  if (!patch.is_object()) {
    return Status::Error(ErrorCode::kInvalidField,
                         "the body must be a JSON object (a merge patch)");
  }
  std::lock_guard apply(apply_mu_);
  json overlay;
  ConfigPtr before;
  {
    std::lock_guard lock(mu_);
    overlay = overlay_;
    before = current_;
  }
  json resolved = patch;
  if (Status s = ResolveMaskedValues(resolved, *before); !s.ok()) return s;
  overlay.merge_patch(resolved);
  // A pinned key may appear in the patch only with the value it already has.
  const json before_tree = EncodeConfig(*before, /*redact=*/false);
  for (const Pin& pin : pins_) {
    const auto touched = PatchedValue(resolved, Pointer(pin.path));
    if (touched && *touched != ValueAt(before_tree, pin.path)) {
      return Status::Error(ErrorCode::kPinned,
                           pin.path + " is set by the environment variable " + pin.source +
                               " and cannot be changed here",
                           pin.path);
    }
  }
  auto composed = Compose(overlay);
  if (!composed.ok()) return composed.status();
  for (const FileKey& key : kFileKeys) {
    const auto touched = PatchedValue(resolved, Pointer(key.path));
    if (!touched || !touched->is_string() || touched->get_ref<const std::string&>().empty() ||
        *touched == ValueAt(before_tree, key.path)) {
      continue;
    }
    if (Status s = CheckRegularFile(touched->get<std::string>()); !s.ok()) {
      return Status::Error(ErrorCode::kInvalidField, std::string(key.path) + ": " + s.message(),
                           key.path);
    }
  }
  const Status written = WriteFileAtomic(sources_.overlay_file, EmitYamlTree(overlay));
  if (!written.ok()) return Status::Error(ErrorCode::kStorageFailed, written.message());
  auto next = std::make_shared<const Config>(std::move(composed).value());
  std::vector<std::function<void(const Config&)>> listeners;
  {
    std::lock_guard lock(mu_);
    overlay_ = std::move(overlay);
    current_ = next;
    ++version_;
    listeners = listeners_;
  }
  for (const auto& listener : listeners) listener(*next);
  return ConfigPtr(next);
}

json ConfigStore::Describe() const {
  json out = EncodeConfig(*Current(), /*redact=*/true);
  json pinned = json::array();
  json pinned_by = json::object();
  for (const Pin& pin : pins_) {
    pinned.push_back(pin.path);
    pinned_by[pin.path] = pin.source;
  }
  out["pinned"] = std::move(pinned);
  out["pinned_by"] = std::move(pinned_by);
  return out;
}

void ConfigStore::OnChange(std::function<void(const Config&)> listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

}  // namespace spark
