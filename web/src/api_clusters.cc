// GET /api/clusters (every cluster with a one-line health) and
// GET /api/clusters/{name}/endpoints (/api/endpoints of any cluster by name).
#include "web/app.h"
#include "web/json_api.h"
#include "web/status_json.h"

namespace spark {
namespace {

using nlohmann::json;

// One cluster's line: the model it serves (the catalog id, else the name vLLM reports; null
// while vLLM is down), its services up of those configured (vLLM included) and running jobs.
json ClusterLine(App& app, Cluster& cluster, bool is_default) {
  const SnapshotPtr snapshot = cluster.poller().Current();
  json model;
  if (const auto served = ServedModel(*snapshot)) {
    const auto entry = app.catalog.FindServed(*served);
    model = entry ? entry->model.id : *served;
  }
  int up = 0;
  for (const auto& [name, service] : snapshot->services) up += service.up.value_or(false) ? 1 : 0;
  return {{"name", cluster.name()},
          {"default", is_default},
          {"model", std::move(model)},
          {"services_up", up},
          {"services_total", snapshot->services.size()},
          {"jobs_running", cluster.controller().RunningJobs().size()}};
}

}  // namespace

void AddClusterRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"GET",
                    "/api/clusters",
                    Access::kRead,
                    [&app](const Request&) {
                      json clusters = json::array();
                      const std::vector<ClusterPtr> all = app.clusters.All();
                      for (size_t i = 0; i < all.size(); ++i) {
                        clusters.push_back(ClusterLine(app, *all[i], i == 0));
                      }
                      return JsonResponse(200, {{"clusters", std::move(clusters)}});
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/clusters/{name}/endpoints",
                    Access::kRead,
                    [&app](const Request& request) {
                      auto cluster = app.clusters.Find(request.params.at("name"));
                      if (!cluster.ok()) return StatusResponse(cluster.status());
                      return JsonResponse(200, EndpointsJson(*(*cluster)->poller().Current(),
                                                             *(*cluster)->config()));
                    },
                    {},
                    {}});
}

}  // namespace spark
