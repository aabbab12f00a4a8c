// The catalog files as Catalog::Open reads them: models.yaml (bundled, or catalog.path),
// DATA/models-custom.yaml and DATA/models-overrides.yaml, each input fed to every loader. A
// refused file names the entry at fault; an accepted one yields allowed launch args and
// round-trips through the file the catalog writes.
#include "catalog_checks.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

void CheckCatalog(const nlohmann::json& tree, ModelSource source) {
  const auto models = DecodeCatalog(tree, source);
  if (!models.ok()) {
    // (An empty field is right only when the key at fault is the empty key.)
    const bool empty_key = tree.is_object() && tree.contains("");
    if ((models.status().field().empty() && !empty_key) || models.status().message().empty()) {
      Fail("a refused catalog names the entry or key at fault: " + models.status().message());
    }
    return;
  }
  for (const CatalogModel& model : *models) {
    Require(model.source == source, "a model keeps the file's source");
    RequireLaunchArgs(model, {});
  }
  RequireCustomFileRoundTrip(*models);
}

}  // namespace

void FuzzCatalogYaml(std::string_view input) {
  const auto tree = ParseYamlTree(input, "models.yaml");
  if (!tree.ok()) {
    Require(tree.status().message().starts_with("models.yaml:"), "a YAML error names the file");
    return;
  }
  CheckCatalog(*tree, ModelSource::kBundled);
  CheckCatalog(*tree, ModelSource::kCustom);
  const auto overrides = DecodeOverridesFile(*tree);
  if (!overrides.ok()) {
    Require(!overrides.status().message().empty(), "a refused overrides file says why");
    return;
  }
  RequireOverridesFileRoundTrip(*overrides);
}

}  // namespace spark::fuzz
