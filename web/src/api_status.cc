// GET /healthz, /metrics, /api/endpoints, /api/status.
#include "web/app.h"
#include "web/json_api.h"
#include "web/status_json.h"

namespace spark {

nlohmann::json StatusDocument(App& app, Cluster& cluster) {
  const SnapshotPtr snapshot = cluster.poller().Current();
  ControlView control;
  if (const auto served = ServedModel(*snapshot)) {
    if (const auto entry = app.catalog.FindServed(*served)) control.model_id = entry->model.id;
  }
  control.running_jobs = cluster.controller().RunningJobs();
  control.ssh = cluster.ssh().Snapshot();
  if (RecoveryLoop* recovery = cluster.recovery()) control.recovery = recovery->Snapshot();
  control.update = UpdateDocument(cluster, cluster.updates().Snapshot());
  nlohmann::json document = StatusJson(*snapshot, *cluster.config(), app.warnings(), control);
  document["demo"] = app.demo_crash != nullptr;  // the UI offers the demo's controls
  return document;
}

uint64_t StatusVersion(App& app, Cluster& cluster) {
  // Every owner of what StatusDocument shows; each counter only grows, so the sum changes
  // whenever one of them does.
  const RecoveryLoop* recovery = cluster.recovery();
  return cluster.poller().Current()->version + cluster.controller().feed().version() +
         cluster.ssh().feed().version() + cluster.updates().version() + app.config.version() +
         (recovery != nullptr ? recovery->version() : 0);
}

namespace {

// Answers with `document(cluster)` for the cluster the request names.
template <typename Document>
Response ForCluster(App& app, const Request& request, Document document) {
  auto cluster = ClusterOf(app, request);
  if (!cluster.ok()) return StatusResponse(cluster.status());
  return JsonResponse(200, document(**cluster));
}

}  // namespace

void AddStatusRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"GET",
                    "/healthz",
                    Access::kRead,
                    [](const Request&) {
                      return JsonResponse(200, {{"ok", true}});
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/metrics",
                    Access::kRead,
                    [&app](const Request&) {
                      Response response;
                      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                      response.shared_body = app.scraper.Render();
                      return response;
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/endpoints",
                    Access::kRead,
                    [&app](const Request& request) {
                      return ForCluster(app, request, [](Cluster& cluster) {
                        return EndpointsJson(*cluster.poller().Current(), *cluster.config());
                      });
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/status",
                    Access::kRead,
                    [&app](const Request& request) {
                      return ForCluster(app, request, [&app](Cluster& cluster) {
                        return StatusDocument(app, cluster);
                      });
                    },
                    {},
                    {}});
}

}  // namespace spark
