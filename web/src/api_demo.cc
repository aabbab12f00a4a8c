// The demo's controls (docs/api.md "Demo"): POST /api/demo/crash/{service}. Routed always so
// that the route table and docs/openapi.yaml are one list; without --demo it answers 404.
#include "web/app.h"
#include "web/json_api.h"

namespace spark {

void AddDemoRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back(
      {"POST",
       "/api/demo/crash/{service}",
       Access::kMutation,
       [&app](const Request& request) {
         if (!app.demo_crash) {
           return StatusResponse(Status::Error(
               ErrorCode::kNotFound, "no such route: the demo's controls exist only with --demo"));
         }
         return OnCluster(app, request, [&](Cluster& cluster) {
           auto crashed = app.demo_crash(cluster.name(), request.params.at("service"));
           if (!crashed.ok()) return StatusResponse(crashed.status());
           return JsonResponse(200, *crashed);
         });
       },
       {},
       {}});
}

}  // namespace spark
