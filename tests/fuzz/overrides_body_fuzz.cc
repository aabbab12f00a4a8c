// PUT /api/models/{id}/overrides: a merge patch onto a model's advanced settings. A refused
// patch names its key; an accepted one keeps every value in range, replaces the same flags
// in the model's args, and survives models-overrides.yaml.
#include "catalog_checks.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

// A model whose args already set what overrides replace, in both spellings.
CatalogModel ModelWithArgs() {
  CatalogModel model;
  model.id = "m";
  model.name = "M";
  model.hf_repo = "org/m";
  model.args = {"--max-model-len",
                "1024",
                "--no-enable-prefix-caching",
                "--load-format",
                "safetensors",
                "--gpu-memory-utilization",
                "-0.5",
                "--kv-cache-dtype",
                "auto",
                "--enforce-eager"};
  return model;
}

}  // namespace

void FuzzOverridesBody(std::string_view input) {
  const auto patch = ParseBody(input);
  if (!patch.ok()) return;
  ModelOverrides current;
  current.max_model_len = 2048;
  current.prefix_caching = true;
  const auto next = PatchOverrides(current, *patch);
  if (!next.ok()) {
    Require(!next.status().message().empty(), "a refused patch says why");
    Require(patch->contains(next.status().field()), "a refused patch names its key");
    return;
  }
  Require(!next->max_model_len || *next->max_model_len > 0, "max_model_len > 0");
  Require(!next->gpu_memory_utilization ||
              (*next->gpu_memory_utilization >= 0.05 && *next->gpu_memory_utilization <= 0.98),
          "gpu_memory_utilization is a ratio");
  for (const auto& [key, value] : patch->items()) {
    if (value.is_null()) Require(!EncodeOverrides(*next).contains(key), "null clears a key");
  }
  static const CatalogModel model = ModelWithArgs();
  RequireAllowedArgs(model.args);
  RequireLaunchArgs(model, *next);
  RequireOverridesFileRoundTrip({{"m", *next}});
}

}  // namespace spark::fuzz
