#include "controller/catalog_source.h"

#include "exporter/file_io.h"

namespace spark {

Result<std::unique_ptr<Catalog>> OpenConfiguredCatalog(const ConfigStore& config,
                                                       const std::filesystem::path& data_dir,
                                                       const Clock& clock,
                                                       std::vector<std::string>& warnings) {
  auto bundled = [&] {
    return Catalog::Open(BundledCatalogYaml(), "models.yaml (bundled)", data_dir, clock);
  };
  const std::optional<std::string> path = config.Current()->catalog.path;
  if (!path) return bundled();
  auto text = ReadFile(*path);
  Status problem = text.status();
  if (text.ok()) {
    auto opened = Catalog::Open(*text, *path, data_dir, clock);
    if (opened.ok()) return opened;
    problem = opened.status();
  }
  if (config.LayerOf("catalog.path") == ConfigLayer::kOverlay) {
    warnings.push_back("catalog.path (set through PUT /api/config): " + problem.message() +
                       "; using the bundled catalog instead");
    return bundled();
  }
  return Status::Error(ErrorCode::kInvalidField,
                       "catalog.path " + *path + ": " + problem.message());
}

}  // namespace spark
