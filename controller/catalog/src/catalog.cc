#include "controller/catalog.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "controller/config_schema.h"
#include "controller/vllm_args.h"
#include "exporter/file_io.h"

namespace spark {
namespace {

// Reads and decodes one data file; a file that does not decode is set aside and the reason
// noted, leaving `fallback`.
template <typename T, typename Decode>
T LoadDataFile(const std::filesystem::path& path, T fallback, Decode decode, const Clock& clock,
               std::vector<std::string>& notes) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() != ErrorCode::kNotFound) {
      notes.push_back(path.string() + ": " + text.status().message());
    }
    return fallback;
  }
  Status problem = Status::Ok();
  auto tree = ParseYamlTree(*text, path.string());
  if (tree.ok()) {
    auto decoded = decode(*tree);
    if (decoded.ok()) return std::move(decoded).value();
    problem = decoded.status();
  } else {
    problem = tree.status();
  }
  std::string note = path.string() + " is invalid (" +
                     (problem.field().empty() ? "" : problem.field() + ": ") + problem.message() +
                     ")";
  if (auto aside = SetAside(path, clock.WallNow()); aside.ok()) {
    note += "; kept as " + aside->string() + " and ignored";
  }
  notes.push_back(note);
  return fallback;
}

}  // namespace

Catalog::Catalog(std::filesystem::path data_dir, const Clock& clock)
    : custom_file_(data_dir / "models-custom.yaml"),
      overrides_file_(data_dir / "models-overrides.yaml"),
      clock_(clock) {}

Result<std::unique_ptr<Catalog>> Catalog::Open(std::string_view bundled_yaml,
                                               std::string_view bundled_origin,
                                               const std::filesystem::path& data_dir,
                                               const Clock& clock) {
  auto tree = ParseYamlTree(bundled_yaml, bundled_origin);
  if (!tree.ok()) return tree.status();
  auto bundled = DecodeCatalog(*tree, ModelSource::kBundled);
  if (!bundled.ok()) {
    return Status::Error(ErrorCode::kInvalidField,
                         std::string(bundled_origin) + ": " + bundled.status().field() + ": " +
                             bundled.status().message(),
                         bundled.status().field());
  }
  std::unique_ptr<Catalog> catalog(new Catalog(data_dir, clock));
  catalog->bundled_ = std::move(bundled).value();
  catalog->custom_ = LoadDataFile(
      catalog->custom_file_, std::vector<CatalogModel>{},
      [](const nlohmann::json& t) { return DecodeCatalog(t, ModelSource::kCustom); }, clock,
      catalog->notes_);
  // A custom model may not shadow a bundled one (a later bundled release may add its id).
  std::erase_if(catalog->custom_, [&](const CatalogModel& m) {
    const bool shadowed = std::any_of(catalog->bundled_.begin(), catalog->bundled_.end(),
                                      [&](const CatalogModel& b) { return b.id == m.id; });
    if (shadowed) {
      catalog->notes_.push_back("custom model \"" + m.id +
                                "\" has the id of a bundled model and is ignored");
    }
    return shadowed;
  });
  catalog->overrides_ =
      LoadDataFile(catalog->overrides_file_, std::map<std::string, ModelOverrides>{},
                   DecodeOverridesFile, clock, catalog->notes_);
  return catalog;
}

std::vector<CatalogEntry> Catalog::List() const {
  std::lock_guard lock(mu_);
  std::vector<CatalogEntry> entries;
  for (const auto* list : {&bundled_, &custom_}) {
    for (const auto& model : *list) {
      const auto it = overrides_.find(model.id);
      entries.push_back({model, it == overrides_.end() ? ModelOverrides{} : it->second});
    }
  }
  return entries;
}

std::optional<CatalogEntry> Catalog::FindLocked(const std::string& id) const {
  for (const auto* list : {&bundled_, &custom_}) {
    for (const auto& model : *list) {
      if (model.id != id) continue;
      const auto it = overrides_.find(id);
      return CatalogEntry{model, it == overrides_.end() ? ModelOverrides{} : it->second};
    }
  }
  return std::nullopt;
}

std::optional<CatalogEntry> Catalog::Find(const std::string& id) const {
  std::lock_guard lock(mu_);
  return FindLocked(id);
}

std::optional<CatalogEntry> Catalog::FindServed(const std::string& served_name) const {
  for (auto& entry : List()) {
    if (entry.model.ServedName() == served_name) return entry;
  }
  return std::nullopt;
}

Result<CatalogEntry> Catalog::Add(CatalogModel model) {
  std::lock_guard lock(mu_);
  if (FindLocked(model.id)) {
    return Status::Error(ErrorCode::kConflict,
                         "a model with id \"" + model.id + "\" already exists", "id");
  }
  model.source = ModelSource::kCustom;
  auto custom = custom_;
  custom.push_back(model);
  if (Status s = WriteCustomLocked(custom); !s.ok()) return s;
  custom_ = std::move(custom);
  return *FindLocked(model.id);
}

Status Catalog::Remove(const std::string& id) {
  std::lock_guard lock(mu_);
  const auto entry = FindLocked(id);
  if (!entry) return Status::Error(ErrorCode::kNotFound, "no model \"" + id + "\" in the catalog");
  if (entry->model.source == ModelSource::kBundled) {
    return Status::Error(ErrorCode::kBundledModel,
                         "\"" + id + "\" is a bundled model; only custom models can be deleted");
  }
  auto custom = custom_;
  std::erase_if(custom, [&](const CatalogModel& m) { return m.id == id; });
  if (Status s = WriteCustomLocked(custom); !s.ok()) return s;
  custom_ = std::move(custom);
  if (overrides_.contains(id)) {
    auto overrides = overrides_;
    overrides.erase(id);
    // The model is gone either way; stale overrides of an unknown id are harmless.
    if (WriteOverridesLocked(overrides).ok()) overrides_ = std::move(overrides);
  }
  return Status::Ok();
}

Result<CatalogEntry> Catalog::PatchOverrides(const std::string& id, const nlohmann::json& patch,
                                             VllmArgsPolicy policy) {
  std::lock_guard lock(mu_);
  const auto entry = FindLocked(id);
  if (!entry) return Status::Error(ErrorCode::kNotFound, "no model \"" + id + "\" in the catalog");
  if (auto args = ParseVllmArgs(entry->model.args, policy); !args.ok()) return args.status();
  auto next = spark::PatchOverrides(entry->overrides, patch);
  if (!next.ok()) return next.status();
  auto overrides = overrides_;
  if (next->empty()) {
    overrides.erase(id);
  } else {
    overrides[id] = *next;
  }
  if (Status s = WriteOverridesLocked(overrides); !s.ok()) return s;
  overrides_ = std::move(overrides);
  return *FindLocked(id);
}

std::vector<std::string> Catalog::notes() const { return notes_; }

Status Catalog::WriteCustomLocked(const std::vector<CatalogModel>& custom) const {
  const std::string text =
      "# Custom models added in spark-control (POST /api/models). Written by spark-control.\n" +
      EmitYamlTree(EncodeCatalog(custom));
  if (Status s = WriteFileAtomic(custom_file_, text); !s.ok()) {
    return Status::Error(ErrorCode::kStorageFailed, "could not save the model: " + s.message());
  }
  return Status::Ok();
}

Status Catalog::WriteOverridesLocked(const std::map<std::string, ModelOverrides>& overrides) const {
  const std::string text =
      "# Advanced vLLM settings per model (PUT /api/models/ID/overrides). Written by "
      "spark-control.\n" +
      EmitYamlTree(EncodeOverridesFile(overrides));
  if (Status s = WriteFileAtomic(overrides_file_, text); !s.ok()) {
    return Status::Error(ErrorCode::kStorageFailed, "could not save the settings: " + s.message());
  }
  return Status::Ok();
}

}  // namespace spark
