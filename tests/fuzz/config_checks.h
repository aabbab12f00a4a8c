#pragma once
// Properties of a decoded configuration shared by the config targets: what decodes
// encodes back to itself, and an overlay the store writes (EmitYamlTree) is read back at the
// next start (ParseYamlTree) as the same configuration.

#include <nlohmann/json.hpp>

#include "controller/config_schema.h"
#include "fuzz_support.h"

namespace spark::fuzz {

// The effective config ConfigStore composes from defaults and an overlay (no operator file,
// no environment).
inline Result<Config> ComposeWithDefaults(const nlohmann::json& overlay) {
  static const nlohmann::json kDefaults = EncodeConfig(Config(), /*redact=*/false);
  nlohmann::json tree = kDefaults;
  tree.merge_patch(overlay);
  return DecodeConfig(tree);
}

inline void RequireConfigError(const Status& status) {
  Require(status.code() == ErrorCode::kInvalidField && !status.field().empty() &&
              !status.message().empty(),
          "a refused config names its key");
}

inline void RequireStableConfig(const Config& config) {
  const nlohmann::json encoded = EncodeConfig(config, /*redact=*/false);
  const auto again = DecodeConfig(encoded);
  if (!again.ok()) Fail("an accepted config decodes again: " + again.status().message());
  Require(EncodeConfig(*again, false) == encoded, "an accepted config encodes to itself");
  Dump(EncodeConfig(config, /*redact=*/true));  // GET /api/config never throws
}

// `overlay` was accepted (it composes to `config`): written and read back it must compose to
// the same config, or the next start would set it aside or change it.
inline void RequireOverlaySurvivesRestart(const nlohmann::json& overlay, const Config& config) {
  const std::string text = EmitYamlTree(overlay);
  const auto reread = ParseYamlTree(text, "config.yaml");
  if (!reread.ok()) Fail("the written overlay parses again: " + reread.status().message());
  const auto recomposed = ComposeWithDefaults(*reread);
  if (!recomposed.ok()) {
    Fail("the written overlay is accepted again: " + recomposed.status().message());
  }
  Require(EncodeConfig(*recomposed, false) == EncodeConfig(config, false),
          "the written overlay gives back the same config");
}

}  // namespace spark::fuzz
