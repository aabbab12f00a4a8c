// GET /healthz, /metrics, /api/endpoints, /api/status.
#include "web/app.h"
#include "web/json_api.h"
#include "web/status_json.h"

namespace spark {

void AddStatusRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"GET", "/healthz", Access::kRead,
                    [](const Request&) { return JsonResponse(200, {{"ok", true}}); }, {}, {}});
  routes.push_back({"GET", "/metrics", Access::kRead,
                    [&app](const Request&) {
                      Response response;
                      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                      response.body = *app.scraper.Render();
                      return response;
                    },
                    {}, {}});
  routes.push_back({"GET", "/api/endpoints", Access::kRead,
                    [&app](const Request&) {
                      return JsonResponse(200, EndpointsJson(*app.poller.Current(), *app.config.Current()));
                    },
                    {}, {}});
  routes.push_back({"GET", "/api/status", Access::kRead,
                    [&app](const Request&) {
                      return JsonResponse(200, StatusJson(*app.poller.Current(), *app.config.Current(),
                                                          app.warnings()));
                    },
                    {}, {}});
}

}  // namespace spark
