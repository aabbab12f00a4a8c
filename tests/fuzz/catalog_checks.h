#pragma once
// Properties of decoded catalog entries shared by the catalog targets: the args that reach
// the launch line pass the allow-list (with any overrides applied), and what the catalog
// writes to DATA (models-custom.yaml, models-overrides.yaml) reads back the same at the next
// start.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "controller/catalog_model.h"
#include "controller/config_schema.h"
#include "controller/vllm_args.h"
#include "fuzz_support.h"

namespace spark::fuzz {

inline void RequireAllowedArgs(const std::vector<std::string>& args) {
  const auto flags = ParseVllmArgs(args);
  if (!flags.ok()) Fail("launch args pass the allow-list: " + flags.status().message());
  Require(VllmArgWords(*flags) == args, "launch args are canonical");
}

// The launch args of `model` with `overrides`: allowed, and each override's flag once.
inline void RequireLaunchArgs(const CatalogModel& model, const ModelOverrides& overrides) {
  const std::vector<std::string> args = EffectiveArgs(model, overrides);
  RequireAllowedArgs(args);
  auto count = [&](std::string_view flag) { return std::count(args.begin(), args.end(), flag); };
  if (overrides.max_model_len) Require(count("--max-model-len") == 1, "one --max-model-len");
  if (overrides.gpu_memory_utilization) {
    Require(count("--gpu-memory-utilization") == 1, "one --gpu-memory-utilization");
  }
  if (overrides.fastsafetensors) {
    Require(count("--load-format") == (*overrides.fastsafetensors ? 1 : 0), "--load-format");
  }
  if (overrides.prefix_caching) {
    Require(count("--enable-prefix-caching") + count("--no-enable-prefix-caching") == 1,
            "one prefix-caching switch");
  }
  if (overrides.fp8_kv_cache) {
    Require(count("--kv-cache-dtype") == (*overrides.fp8_kv_cache ? 1 : 0), "--kv-cache-dtype");
  }
}

// models-custom.yaml as Catalog writes it, read back as Catalog::Open does.
inline void RequireCustomFileRoundTrip(const std::vector<CatalogModel>& models) {
  const nlohmann::json written = EncodeCatalog(models);
  if (!IsUtf8(written)) return;
  const auto tree = ParseYamlTree(EmitYamlTree(written), "models-custom.yaml");
  if (!tree.ok()) Fail("models-custom.yaml parses again: " + tree.status().message());
  const auto reread = DecodeCatalog(*tree, ModelSource::kCustom);
  if (!reread.ok()) Fail("models-custom.yaml decodes again: " + reread.status().message());
  Require(EncodeCatalog(*reread) == written, "models-custom.yaml gives back the same models");
}

// models-overrides.yaml as Catalog writes it, read back as Catalog::Open does.
inline void RequireOverridesFileRoundTrip(const std::map<std::string, ModelOverrides>& all) {
  const nlohmann::json written = EncodeOverridesFile(all);
  const auto tree = ParseYamlTree(EmitYamlTree(written), "models-overrides.yaml");
  if (!tree.ok()) Fail("models-overrides.yaml parses again: " + tree.status().message());
  const auto reread = DecodeOverridesFile(*tree);
  if (!reread.ok()) Fail("models-overrides.yaml decodes again: " + reread.status().message());
  Require(EncodeOverridesFile(*reread) == written, "models-overrides.yaml gives back the same");
}

}  // namespace spark::fuzz
