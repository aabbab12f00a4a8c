// The operator file (--config) and the overlay (DATA/config.yaml) as ConfigStore::Open reads
// them. A syntax error names the file and line; an operator file that validates must also
// compose (else start-up blames the environment); an accepted overlay is stable and is
// written back to YAML that reads as the same config.
#include "config_checks.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

void FuzzConfigYaml(std::string_view input) {
  const auto tree = ParseYamlTree(input, "config.yaml");
  if (!tree.ok()) {
    Require(tree.status().message().starts_with("config.yaml:"), "a YAML error names the file");
    return;
  }
  Require(tree->is_object(), "a loaded config is a mapping");
  const auto alone = DecodeConfig(*tree);  // the operator file's validation
  const auto composed = ComposeWithDefaults(*tree);
  if (!alone.ok()) RequireConfigError(alone.status());
  if (!composed.ok()) {
    RequireConfigError(composed.status());
    Require(!alone.ok(), "an operator file that validates also composes");
    return;
  }
  RequireStableConfig(*composed);
  // Only text PUT could have written is expected to round-trip: valid UTF-8 throughout.
  if (IsUtf8(*tree)) RequireOverlaySurvivesRestart(*tree, *composed);
}

}  // namespace spark::fuzz
