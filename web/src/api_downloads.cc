// Model downloads and the HF cache: POST /api/downloads, GET /api/cache,
// POST /api/cache/refresh, DELETE /api/cache/{spark}?repo=ORG/NAME.
#include "exporter/time_format.h"
#include "web/app.h"
#include "web/json_api.h"
#include "web/request_bodies.h"

namespace spark {
namespace {

using nlohmann::json;

json EncodeModel(const CachedModel& model, const Catalog& catalog,
                 const std::optional<std::string>& served) {
  bool in_catalog = false;
  for (const auto& entry : catalog.List()) in_catalog |= entry.model.hf_repo == model.hf_repo;
  bool serving = false;
  if (served) {
    const auto entry = catalog.FindServed(*served);
    serving = *served == model.hf_repo || (entry && entry->model.hf_repo == model.hf_repo);
  }
  return {{"hf_repo", model.hf_repo},
          {"revision", model.revision.empty() ? json(nullptr) : json(model.revision)},
          {"size_bytes", model.size_bytes},
          {"modified", FormatRfc3339(model.modified)},
          {"complete", model.complete},
          {"in_catalog", in_catalog},
          {"serving", serving}};
}

json EncodeSparkCache(const SparkCache& cache, const Catalog& catalog,
                      const std::optional<std::string>& served) {
  json models = json::array();
  json out = {{"path", nullptr},
              {"free_bytes", nullptr},
              {"scanned_at", cache.scanned_at ? json(FormatRfc3339(*cache.scanned_at)) : json()},
              {"error", cache.error.empty() ? json(nullptr) : json(cache.error)},
              {"models", json::array()}};
  if (!cache.scan) return out;
  out["path"] = cache.scan->path;
  if (cache.scan->free_bytes) out["free_bytes"] = *cache.scan->free_bytes;
  for (const auto& model : cache.scan->models) {
    out["models"].push_back(EncodeModel(model, catalog, served));
  }
  return out;
}

Response CacheDocument(App& app, Cluster& cluster) {
  const auto served = ServedModel(*cluster.poller().Current());
  json sparks = json::object();
  for (const auto& [name, cache] : cluster.cache().Snapshot()) {
    sparks[name] = EncodeSparkCache(cache, app.catalog, served);
  }
  return JsonResponse(200, {{"sparks", sparks}});
}

}  // namespace

void AddDownloadRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"POST",
                    "/api/downloads",
                    Access::kMutation,
                    [&app](const Request& request) {
                      auto body = ParseJsonBody(request);
                      if (!body.ok()) return StatusResponse(body.status());
                      auto download = ParseDownloadRequest(*body);
                      if (!download.ok()) return StatusResponse(download.status());
                      return OnCluster(app, request, [&](Cluster& cluster) {
                        return Accepted(cluster.controller().Download(
                            download->hf_repo, download->cluster, download->revision));
                      });
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/cache",
                    Access::kRead,
                    [&app](const Request& request) {
                      return OnCluster(app, request, [&](Cluster& cluster) {
                        return CacheDocument(app, cluster);
                      });
                    },
                    {},
                    {}});
  routes.push_back({"POST",
                    "/api/cache/refresh",
                    Access::kMutation,
                    [&app](const Request& request) {
                      return OnCluster(app, request, [&](Cluster& cluster) {
                        cluster.cache().RefreshSoon();
                        return JsonResponse(202, {{"refreshing", true}});
                      });
                    },
                    {},
                    {}});
  routes.push_back(
      {"DELETE",
       "/api/cache/{spark}",
       Access::kMutation,
       [&app](const Request& request) {
         std::string repo;
         if (!request.Query("repo", repo)) {
           return StatusResponse(
               Status::Error(ErrorCode::kMissingField, "?repo=ORG/NAME is required", "repo"));
         }
         return OnCluster(app, request, [&](Cluster& cluster) {
           return Accepted(cluster.controller().DeleteCached(request.params.at("spark"), repo));
         });
       },
       {},
       {}});
}

}  // namespace spark
