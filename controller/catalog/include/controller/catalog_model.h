#pragma once
// Catalog entries as values, and the pure rules around them: decoding models.yaml /
// models-custom.yaml / models-overrides.yaml trees (strict, with field paths), ids derived
// from repos, the advanced settings (overrides) merged into a model's vLLM args, and the
// JSON shapes of API.md's GET /api/models. No I/O; thread-safe.

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/command_builder.h"
#include "controller/remote_names.h"
#include "controller/vllm_args.h"
#include "exporter/status.h"

namespace spark {

enum class ModelSource { kBundled, kCustom };

struct CatalogModel {
  std::string id;                          // [a-z0-9][a-z0-9._-]*, ≤ 64
  std::string name;                        // display name
  std::string hf_repo;                     // ValidateHfRepo
  std::optional<std::string> served_name;  // --served-model-name; unset = vLLM serves the repo
  ModelMode mode = ModelMode::kSolo;
  std::vector<std::string> args;         // ParseVllmArgs-clean, canonical words
  std::optional<double> swap_timeout_s;  // unset = swap.timeout_s
  ModelSource source = ModelSource::kBundled;

  // The id vLLM's /v1/models reports for this model.
  const std::string& ServedName() const { return served_name ? *served_name : hf_repo; }
};

// PUT /api/models/{id}/overrides: the advanced settings of SPARK-VLLM-DOCKER.md.
struct ModelOverrides {
  std::optional<long long> max_model_len;        // --max-model-len N (> 0)
  std::optional<double> gpu_memory_utilization;  // --gpu-memory-utilization (0.05–0.98)
  std::optional<bool> fastsafetensors;           // --load-format fastsafetensors
  std::optional<bool> prefix_caching;            // --enable-prefix-caching / --no-…
  std::optional<bool> fp8_kv_cache;              // --kv-cache-dtype fp8
  bool empty() const;
};

// `{"models": [...]}` of a catalog file. `source` decides what each entry becomes; a custom
// file's entries may omit `id` (derived). invalid_field names the entry ("models[2].hf_repo")
// for unknown keys, wrong types, failed allow-lists, duplicate ids. --trust-remote-code is
// kept: the launch decides whether it may run.
Result<std::vector<CatalogModel>> DecodeCatalog(const nlohmann::json& tree, ModelSource source);
nlohmann::json EncodeCatalog(const std::vector<CatalogModel>& models);

// One model from a POST /api/models body (fields as in the catalog files, id optional); its
// args follow `policy` (config `security`).
Result<CatalogModel> DecodeCustomModel(const nlohmann::json& body, VllmArgsPolicy policy = {});

// `{"qwen36": {"max_model_len": 32768}, ...}` of models-overrides.yaml.
Result<std::map<std::string, ModelOverrides>> DecodeOverridesFile(const nlohmann::json& tree);
nlohmann::json EncodeOverridesFile(const std::map<std::string, ModelOverrides>& overrides);

// Applies an RFC 7386 merge patch to `current` (absent keys stay, null clears one);
// invalid_field names the key (a gpu_memory_utilization of 50 is refused: it is a ratio).
Result<ModelOverrides> PatchOverrides(const ModelOverrides& current, const nlohmann::json& patch);
nlohmann::json EncodeOverrides(const ModelOverrides& overrides);

// API.md: the repo's name lowercased, runs of anything but [a-z0-9] → "-", trimmed
// ("Qwen/Qwen3-0.6B" → "qwen3-0-6b"). Empty when nothing is left.
std::string DeriveModelId(std::string_view hf_repo);

// The model's args with the overrides applied: an override replaces the same flag (in
// either `--flag value` or `--flag=value` form) wherever it appears in the args.
std::vector<std::string> EffectiveArgs(const CatalogModel& model, const ModelOverrides& overrides);
LaunchSpec LaunchSpecFor(const CatalogModel& model, const ModelOverrides& overrides);

std::string_view ModeName(ModelMode mode);

}  // namespace spark
