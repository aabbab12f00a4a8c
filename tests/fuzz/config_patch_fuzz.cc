// PUT /api/config: a merge patch onto the overlay, composed over the defaults and decoded as
// ConfigStore::Apply does (without the file write). A refused patch names its key; an
// accepted one is stable and survives the overlay's round trip through YAML.
#include "config_checks.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

void FuzzConfigPatch(std::string_view input) {
  const auto patch = ParseBody(input);
  if (!patch.ok()) return;
  nlohmann::json overlay = nlohmann::json::object();
  overlay.merge_patch(*patch);
  const auto config = ComposeWithDefaults(overlay);
  if (!config.ok()) return RequireConfigError(config.status());
  RequireStableConfig(*config);
  RequireOverlaySurvivesRestart(overlay, *config);
}

}  // namespace spark::fuzz
