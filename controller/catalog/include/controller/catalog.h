#pragma once
// The model catalog: bundled models (models.yaml compiled into the binary, or catalog.path),
// custom models (DATA/models-custom.yaml) and per-model advanced settings
// (DATA/models-overrides.yaml). The single owner of those two files: every change is
// validated, written atomically and only then published. A corrupt data file is set aside
// (FILE.corrupt-TIMESTAMP) and reported, never fatal. Thread-safe.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/catalog_model.h"
#include "exporter/clock.h"

namespace spark {

// A model as GET /api/models shows it.
struct CatalogEntry {
  CatalogModel model;
  ModelOverrides overrides;
};

// The models.yaml of the repository, as compiled in.
std::string_view BundledCatalogYaml();

class Catalog {
 public:
  // `bundled_yaml` is the bundled catalog's text (from `bundled_origin`, for messages): an
  // invalid one is an error (the operator's file, or a build defect). Custom and overrides
  // files in `data_dir` that do not decode are set aside and named in notes().
  static Result<std::unique_ptr<Catalog>> Open(std::string_view bundled_yaml,
                                               std::string_view bundled_origin,
                                               const std::filesystem::path& data_dir,
                                               const Clock& clock);

  // Bundled first (file order), then custom (in the order they were added).
  std::vector<CatalogEntry> List() const;
  std::optional<CatalogEntry> Find(const std::string& id) const;
  // The entry vLLM serves under `served_name` (its --served-model-name, else its repo).
  std::optional<CatalogEntry> FindServed(const std::string& served_name) const;

  // POST /api/models. conflict when the id exists; storage_failed when the file cannot be
  // written (nothing changes then).
  Result<CatalogEntry> Add(CatalogModel model);
  // DELETE /api/models/{id}: bundled_model for a bundled one, not_found when unknown. Its
  // overrides go with it.
  Status Remove(const std::string& id);
  // PUT /api/models/{id}/overrides (a merge patch). invalid_field (args[i]) when the model's
  // own args break `policy` (a stored --trust-remote-code the operator no longer allows).
  Result<CatalogEntry> PatchOverrides(const std::string& id, const nlohmann::json& patch,
                                      VllmArgsPolicy policy = {});

  std::vector<std::string> notes() const;

 private:
  Catalog(std::filesystem::path data_dir, const Clock& clock);
  std::optional<CatalogEntry> FindLocked(const std::string& id) const;
  Status WriteCustomLocked(const std::vector<CatalogModel>& custom) const;
  Status WriteOverridesLocked(const std::map<std::string, ModelOverrides>& overrides) const;

  const std::filesystem::path custom_file_;
  const std::filesystem::path overrides_file_;
  const Clock& clock_;
  std::vector<std::string> notes_;

  mutable std::mutex mu_;  // guards everything below
  std::vector<CatalogModel> bundled_;
  std::vector<CatalogModel> custom_;
  std::map<std::string, ModelOverrides> overrides_;
};

}  // namespace spark
