// GET /healthz, /metrics, /api/endpoints, /api/status.
#include "web/app.h"
#include "web/json_api.h"
#include "web/status_json.h"

namespace spark {

nlohmann::json StatusDocument(App& app) {
  const SnapshotPtr snapshot = app.poller.Current();
  ControlView control;
  if (const auto served = ServedModel(*snapshot)) {
    if (const auto entry = app.catalog.FindServed(*served)) control.model_id = entry->model.id;
  }
  control.running_jobs = app.controller.RunningJobs();
  control.ssh = app.ssh.Snapshot();
  return StatusJson(*snapshot, *app.config.Current(), app.warnings(), control);
}

uint64_t StatusVersion(App& app) {
  // Every owner of what StatusDocument shows; each counter only grows, so the sum changes
  // whenever one of them does.
  return app.poller.Current()->version + app.controller.feed().version() +
         app.ssh.feed().version() + app.config.version();
}

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
                    [&app](const Request&) {
                      return JsonResponse(
                          200, EndpointsJson(*app.poller.Current(), *app.config.Current()));
                    },
                    {},
                    {}});
  routes.push_back({"GET",
                    "/api/status",
                    Access::kRead,
                    [&app](const Request&) { return JsonResponse(200, StatusDocument(app)); },
                    {},
                    {}});
}

}  // namespace spark
