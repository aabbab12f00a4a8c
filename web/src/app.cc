#include "web/app.h"

#include "web/json_api.h"

namespace spark {
namespace {

// Every route takes `?cluster=NAME` and answers 404 naming a cluster that does not exist,
// before its handler runs (routes about the process as a whole ignore a known name).
void CheckClusterParameter(App& app, Route& route) {
  if (route.handle) {
    route.handle = [&app, inner = std::move(route.handle)](const Request& request) {
      if (auto cluster = ClusterOf(app, request); !cluster.ok()) {
        return StatusResponse(cluster.status());
      }
      return inner(request);
    };
  }
  if (route.stream) {
    route.stream = [&app, inner = std::move(route.stream)](const Request& request, SseStream& out) {
      if (auto cluster = ClusterOf(app, request); !cluster.ok()) {
        return out.Refuse(StatusResponse(cluster.status()));
      }
      inner(request, out);
    };
  }
}

}  // namespace

Result<ClusterPtr> ClusterOf(App& app, const Request& request) {
  std::string name;
  if (request.Query("cluster", name) && name.empty()) {
    return Status::Error(ErrorCode::kNotFound, "`cluster` names no cluster", "cluster");
  }
  return app.clusters.Find(name);
}

std::vector<Route> AppRoutes(App& app) {
  std::vector<Route> routes;
  AddStatusRoutes(app, routes);
  AddEventRoutes(app, routes);
  AddReportRoutes(app, routes);
  AddDiarizationRoutes(app, routes);
  AddConfigRoutes(app, routes);
  AddModelRoutes(app, routes);
  AddJobRoutes(app, routes);
  AddRecoveryRoutes(app, routes);
  AddDownloadRoutes(app, routes);
  AddSshRoutes(app, routes);
  AddClusterRoutes(app, routes);
  AddUpdateRoutes(app, routes);
  AddDemoRoutes(app, routes);
  AddUiRoutes(app, routes);
  for (Route& route : routes) {
    // The page opens whatever its ?cluster= says: a link to a removed cluster shows the default
    // with a note (web/ui/sections/clusters.js), not a JSON 404.
    if (route.pattern != "/") CheckClusterParameter(app, route);
  }
  return routes;
}

}  // namespace spark
