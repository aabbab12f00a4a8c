// GET /api/config, PUT /api/config (a merge patch; pinned keys → 409; a change that would lock
// out its own sender or raise a limit fixed at start → 409 conflict).
#include "controller/config_schema.h"
#include "exporter/json_depth.h"
#include "exporter/log.h"
#include "web/app.h"
#include "web/config_admission.h"
#include "web/json_api.h"

namespace spark {
namespace {

// No config key sits deeper than 4 levels (5 with the coming `clusters` list), and a patch is
// merged and copied several times on the way (preview, overlay, layers, YAML): each recursion
// costs a stack frame per level on a ~100 KiB request-thread stack, where an ASan build
// already overflowed at 30 levels. So a patch gets a much tighter cap than the 64 of any body.
constexpr size_t kMaxPatchDepth = 8;

Response PutConfig(App& app, const Request& request) {
  auto patch = ParseJsonBody(request);
  if (!patch.ok()) return StatusResponse(patch.status());
  if (NestedDeeperThan(request.body, kMaxPatchDepth)) {
    return ErrorResponse(ErrorCode::kInvalidField, "a configuration patch nests at most " +
                                                       std::to_string(kMaxPatchDepth) +
                                                       " levels: no configuration key is deeper");
  }
  const ConfigPtr before = app.config.Current();
  // A patch that does not decode is left to Apply, which names the field.
  if (auto next = PreviewConfig(*before, *patch); next.ok()) {
    const Status admitted =
        AdmitConfigChange(request, *before, *next, app.site, app.max_sse_clients_at_start);
    if (!admitted.ok()) return StatusResponse(admitted);
  }
  auto applied = app.config.Apply(*patch);
  if (!applied.ok()) return StatusResponse(applied.status());
  Log(LogLevel::kInfo, "configuration changed through PUT /api/config");
  nlohmann::json out = app.config.Describe();
  out["warnings"] = ConfigWarnings(**applied);
  return JsonResponse(200, out);
}

}  // namespace

void AddConfigRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"GET",
                    "/api/config",
                    Access::kRead,
                    [&app](const Request&) { return JsonResponse(200, app.config.Describe()); },
                    {},
                    {}});
  routes.push_back({"PUT",
                    "/api/config",
                    Access::kMutation,
                    [&app](const Request& request) { return PutConfig(app, request); },
                    {},
                    {}});
}

}  // namespace spark
