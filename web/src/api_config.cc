// GET /api/config, PUT /api/config (a merge patch; pinned keys → 409).
#include "controller/config_schema.h"
#include "exporter/log.h"
#include "web/app.h"
#include "web/json_api.h"

namespace spark {

void AddConfigRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/config", Access::kRead,
                    [&app](const Request&) { return JsonResponse(200, app.config.Describe()); }, {}, {}});
  routes.push_back({"PUT", "/api/config", Access::kMutation,
                    [&app](const Request& request) {
                      auto patch = ParseJsonBody(request);
                      if (!patch.ok()) return StatusResponse(patch.status());
                      auto applied = app.config.Apply(*patch);
                      if (!applied.ok()) return StatusResponse(applied.status());
                      Log(LogLevel::kInfo, "configuration changed through PUT /api/config");
                      nlohmann::json out = app.config.Describe();
                      out["warnings"] = ConfigWarnings(**applied);
                      return JsonResponse(200, out);
                    },
                    {}, {}});
}

}  // namespace spark
