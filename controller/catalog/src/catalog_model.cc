#include "controller/catalog_model.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "controller/remote_names.h"
#include "controller/vllm_args.h"
#include "exporter/json_number.h"

namespace spark {
namespace {

using nlohmann::json;

Status InvalidField(const std::string& field, const std::string& message) {
  return Status::Error(ErrorCode::kInvalidField, message, field);
}

std::string Path(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

// Rejects keys outside `known` so a typo in a catalog file is an error, not a silent default.
Status CheckKeys(const json& object, std::string_view prefix, const std::set<std::string>& known) {
  for (const auto& [key, value] : object.items()) {
    if (!known.contains(key)) return InvalidField(Path(prefix, key), "unknown key \"" + key + "\"");
  }
  return Status::Ok();
}

Result<std::string> RequiredString(const json& object, std::string_view prefix,
                                   const std::string& key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return Status::Error(ErrorCode::kMissingField, key + " is required", Path(prefix, key));
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return InvalidField(Path(prefix, key), key + " must be a non-empty string");
  }
  return it->get<std::string>();
}

Status CheckModelId(const std::string& id, const std::string& field) {
  const bool shaped = !id.empty() && id.size() <= 64 &&
                      (std::islower(static_cast<unsigned char>(id[0])) ||
                       std::isdigit(static_cast<unsigned char>(id[0])));
  const bool charset = std::all_of(id.begin(), id.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (shaped && charset) return Status::Ok();
  return InvalidField(field,
                      "id must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with "
                      "a letter or digit");
}

// Prefixes a nested status's field with `prefix` ("args[2]" → "models[0].args[2]").
Status Nest(const Status& status, std::string_view prefix) {
  if (status.ok() || prefix.empty()) return status;
  const std::string field =
      status.field().empty() ? std::string(prefix) : Path(prefix, status.field());
  return Status::Error(*status.code(), status.message(), field);
}

Result<CatalogModel> DecodeModel(const json& entry, std::string_view prefix, ModelSource source,
                                 bool id_required, VllmArgsPolicy policy) {
  if (!entry.is_object()) return InvalidField(std::string(prefix), "a model must be an object");
  if (Status s =
          CheckKeys(entry, prefix,
                    {"id", "name", "hf_repo", "served_name", "mode", "args", "swap_timeout_s"});
      !s.ok()) {
    return s;
  }
  CatalogModel model;
  model.source = source;
  auto repo = RequiredString(entry, prefix, "hf_repo");
  if (!repo.ok()) return repo.status();
  if (Status s = ValidateHfRepo(*repo); !s.ok()) return Nest(s, prefix);
  model.hf_repo = *repo;

  if (entry.contains("id") || id_required) {
    auto id = RequiredString(entry, prefix, "id");
    if (!id.ok()) return id.status();
    model.id = *id;
  } else {
    model.id = DeriveModelId(model.hf_repo);
  }
  if (Status s = CheckModelId(model.id, Path(prefix, "id")); !s.ok()) return s;

  auto name = RequiredString(entry, prefix, "name");
  if (!name.ok()) return name.status();
  if (name->size() > 200)
    return InvalidField(Path(prefix, "name"), "name is longer than 200 bytes");
  model.name = *name;

  if (const auto it = entry.find("served_name"); it != entry.end() && !it->is_null()) {
    if (!it->is_string())
      return InvalidField(Path(prefix, "served_name"), "served_name must be a string");
    if (Status s = ValidateHfRepo(it->get<std::string>()); !s.ok()) {
      return InvalidField(Path(prefix, "served_name"),
                          "served_name must look like a model id (" + s.message() + ")");
    }
    model.served_name = it->get<std::string>();
  }

  auto mode = RequiredString(entry, prefix, "mode");
  if (!mode.ok()) return mode.status();
  if (*mode != "solo" && *mode != "cluster") {
    return InvalidField(Path(prefix, "mode"), "mode must be \"solo\" or \"cluster\"");
  }
  model.mode = *mode == "solo" ? ModelMode::kSolo : ModelMode::kCluster;

  if (const auto it = entry.find("args"); it != entry.end() && !it->is_null()) {
    if (!it->is_array())
      return InvalidField(Path(prefix, "args"), "args must be a list of strings");
    std::vector<std::string> words;
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return InvalidField(Path(prefix, "args[" + std::to_string(i) + "]"),
                            "args must be strings");
      }
      words.push_back((*it)[i].get<std::string>());
    }
    auto flags = ParseVllmArgs(words, policy);
    if (!flags.ok()) return Nest(flags.status(), prefix);
    model.args = VllmArgWords(*flags);
  }

  if (const auto it = entry.find("swap_timeout_s"); it != entry.end() && !it->is_null()) {
    const auto seconds = NumberInRange(*it, 10, 86400);
    if (!seconds) {
      return InvalidField(Path(prefix, "swap_timeout_s"),
                          "swap_timeout_s must be 10–86400 seconds");
    }
    model.swap_timeout_s = *seconds;
  }
  return model;
}

json EncodeModel(const CatalogModel& model) {
  json out = {{"id", model.id},
              {"name", model.name},
              {"hf_repo", model.hf_repo},
              {"mode", ModeName(model.mode)},
              {"args", model.args}};
  if (model.served_name) out["served_name"] = *model.served_name;
  if (model.swap_timeout_s) out["swap_timeout_s"] = *model.swap_timeout_s;
  return out;
}

// The vLLM words one override stands for (empty when the override is unset).
struct OverrideFlag {
  std::string flag;
  std::vector<std::string> words;
};

std::string NumberWord(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return buf;
}

std::vector<OverrideFlag> OverrideFlags(const ModelOverrides& o) {
  std::vector<OverrideFlag> flags;
  if (o.max_model_len) {
    flags.push_back({"--max-model-len", {"--max-model-len", std::to_string(*o.max_model_len)}});
  }
  if (o.gpu_memory_utilization) {
    flags.push_back({"--gpu-memory-utilization",
                     {"--gpu-memory-utilization", NumberWord(*o.gpu_memory_utilization)}});
  }
  if (o.fastsafetensors) {
    flags.push_back(
        {"--load-format", *o.fastsafetensors
                              ? std::vector<std::string>{"--load-format", "fastsafetensors"}
                              : std::vector<std::string>{}});
  }
  if (o.prefix_caching) {
    flags.push_back(
        {"--enable-prefix-caching",
         {*o.prefix_caching ? "--enable-prefix-caching" : "--no-enable-prefix-caching"}});
  }
  if (o.fp8_kv_cache) {
    flags.push_back({"--kv-cache-dtype", *o.fp8_kv_cache
                                             ? std::vector<std::string>{"--kv-cache-dtype", "fp8"}
                                             : std::vector<std::string>{}});
  }
  return flags;
}

}  // namespace

bool ModelOverrides::empty() const {
  return !max_model_len && !gpu_memory_utilization && !fastsafetensors && !prefix_caching &&
         !fp8_kv_cache;
}

std::string_view ModeName(ModelMode mode) { return mode == ModelMode::kSolo ? "solo" : "cluster"; }

std::string DeriveModelId(std::string_view hf_repo) {
  const size_t slash = hf_repo.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? hf_repo : hf_repo.substr(slash + 1);
  std::string id;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      id.push_back(static_cast<char>(std::tolower(u)));
    } else if (!id.empty() && id.back() != '-') {
      id.push_back('-');
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.size() > 64) id.resize(64);
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id;
}

Result<std::vector<CatalogModel>> DecodeCatalog(const json& tree, ModelSource source) {
  if (tree.is_null()) return std::vector<CatalogModel>{};
  if (!tree.is_object())
    return InvalidField("models", "a catalog is a mapping with a models: list");
  if (Status s = CheckKeys(tree, "", {"models"}); !s.ok()) return s;
  const auto it = tree.find("models");
  if (it == tree.end() || it->is_null()) return std::vector<CatalogModel>{};
  if (!it->is_array()) return InvalidField("models", "models must be a list");
  std::vector<CatalogModel> models;
  std::set<std::string> ids;
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string prefix = "models[" + std::to_string(i) + "]";
    // Stored entries may carry --trust-remote-code: whether it may run is the launch's
    // decision (CommandBuilder), so a policy change never drops a catalog file.
    auto model = DecodeModel((*it)[i], prefix, source, source == ModelSource::kBundled,
                             VllmArgsPolicy{.allow_trust_remote_code = true});
    if (!model.ok()) return model.status();
    if (!ids.insert(model->id).second) {
      return InvalidField(prefix + ".id", "duplicate model id \"" + model->id + "\"");
    }
    models.push_back(std::move(model).value());
  }
  return models;
}

json EncodeCatalog(const std::vector<CatalogModel>& models) {
  json list = json::array();
  for (const auto& model : models) list.push_back(EncodeModel(model));
  return {{"models", list}};
}

Result<CatalogModel> DecodeCustomModel(const json& body, VllmArgsPolicy policy) {
  return DecodeModel(body, "", ModelSource::kCustom, false, policy);
}

Result<ModelOverrides> PatchOverrides(const ModelOverrides& current, const json& patch) {
  if (!patch.is_object()) return InvalidField("", "overrides must be a JSON object");
  if (Status s = CheckKeys(patch, "",
                           {"max_model_len", "gpu_memory_utilization", "fastsafetensors",
                            "prefix_caching", "fp8_kv_cache"});
      !s.ok()) {
    return s;
  }
  ModelOverrides next = current;
  for (const auto& [key, value] : patch.items()) {
    if (key == "max_model_len") {
      if (value.is_null()) {
        next.max_model_len.reset();
      } else if (const auto tokens = IntegerInRange(value, 1, 10'000'000); !tokens) {
        return InvalidField(key, "max_model_len must be a whole number of tokens above 0");
      } else {
        next.max_model_len = *tokens;
      }
    } else if (key == "gpu_memory_utilization") {
      if (value.is_null()) {
        next.gpu_memory_utilization.reset();
      } else if (const auto ratio = NumberInRange(value, 0.05, 0.98); !ratio) {
        return InvalidField(key,
                            "gpu_memory_utilization is a ratio from 0.05 to 0.98 (0.9, not 90)");
      } else {
        next.gpu_memory_utilization = *ratio;
      }
    } else {
      std::optional<bool>& field = key == "fastsafetensors"  ? next.fastsafetensors
                                   : key == "prefix_caching" ? next.prefix_caching
                                                             : next.fp8_kv_cache;
      if (value.is_null()) {
        field.reset();
      } else if (!value.is_boolean()) {
        return InvalidField(key, key + " must be true, false or null");
      } else {
        field = value.get<bool>();
      }
    }
  }
  return next;
}

json EncodeOverrides(const ModelOverrides& o) {
  json out = json::object();
  if (o.max_model_len) out["max_model_len"] = *o.max_model_len;
  if (o.gpu_memory_utilization) out["gpu_memory_utilization"] = *o.gpu_memory_utilization;
  if (o.fastsafetensors) out["fastsafetensors"] = *o.fastsafetensors;
  if (o.prefix_caching) out["prefix_caching"] = *o.prefix_caching;
  if (o.fp8_kv_cache) out["fp8_kv_cache"] = *o.fp8_kv_cache;
  return out;
}

Result<std::map<std::string, ModelOverrides>> DecodeOverridesFile(const json& tree) {
  std::map<std::string, ModelOverrides> all;
  if (tree.is_null()) return all;
  if (!tree.is_object()) return InvalidField("", "overrides are a mapping of model id → settings");
  for (const auto& [id, patch] : tree.items()) {
    if (Status s = CheckModelId(id, id); !s.ok()) return s;
    auto overrides = PatchOverrides({}, patch);
    if (!overrides.ok()) return Nest(overrides.status(), id);
    if (!overrides->empty()) all[id] = *overrides;
  }
  return all;
}

json EncodeOverridesFile(const std::map<std::string, ModelOverrides>& overrides) {
  json out = json::object();
  for (const auto& [id, o] : overrides) {
    if (!o.empty()) out[id] = EncodeOverrides(o);
  }
  return out;
}

std::vector<std::string> EffectiveArgs(const CatalogModel& model, const ModelOverrides& overrides) {
  const auto replaced = OverrideFlags(overrides);
  auto is_replaced = [&](std::string_view word) {
    const std::string_view name = word.substr(0, word.find('='));
    return std::any_of(replaced.begin(), replaced.end(), [&](const OverrideFlag& o) {
      // --no-enable-prefix-caching is the same setting as --enable-prefix-caching.
      return name == o.flag ||
             (o.flag == "--enable-prefix-caching" && name == "--no-enable-prefix-caching");
    });
  };
  std::vector<std::string> args;
  // Model args are canonical (`--flag value`): a flag's value is the next word unless that
  // word is itself a flag.
  for (size_t i = 0; i < model.args.size(); ++i) {
    const std::string& word = model.args[i];
    const bool has_value = i + 1 < model.args.size() && !model.args[i + 1].starts_with("--") &&
                           word.find('=') == std::string::npos;
    if (is_replaced(word)) {
      if (has_value) ++i;
      continue;
    }
    args.push_back(word);
  }
  for (const auto& o : replaced) args.insert(args.end(), o.words.begin(), o.words.end());
  return args;
}

LaunchSpec LaunchSpecFor(const CatalogModel& model, const ModelOverrides& overrides) {
  return LaunchSpec{model.hf_repo, model.served_name, model.mode, EffectiveArgs(model, overrides)};
}

}  // namespace spark
