#pragma once
// Which catalog the process starts with: the bundled one, or catalog.path.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "controller/catalog.h"
#include "controller/config_store.h"

namespace spark {

// The bundled catalog, or catalog.path. A catalog.path set through the API (the overlay)
// that cannot be opened falls back to the bundled catalog with a note in `warnings`: nothing
// written through the API may stop the next start. One from the operator file is the
// operator's to fix: invalid_field naming it (the binary exits 2).
Result<std::unique_ptr<Catalog>> OpenConfiguredCatalog(const ConfigStore& config,
                                                       const std::filesystem::path& data_dir,
                                                       const Clock& clock,
                                                       std::vector<std::string>& warnings);

}  // namespace spark
