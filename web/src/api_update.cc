// spark-vllm-docker updates (docs/api.md "Updating spark-vllm-docker"): GET /api/update,
// POST /api/update/check, /api/update/apply and /api/update/rollback.
#include "web/app.h"
#include "web/json_api.h"
#include "web/update_json.h"

namespace spark {
namespace {

using nlohmann::json;

// A route on the cluster the request names.
Route UpdateRoute(App& app, std::string method, std::string pattern, Access access,
                  std::function<Response(Cluster&)> handle) {
  return {std::move(method),
          std::move(pattern),
          access,
          [&app, handle = std::move(handle)](const Request& request) {
            return OnCluster(app, request, handle);
          },
          {},
          {}};
}

Response Rollback(Cluster& cluster) {
  // Refused from the snapshot, before the controller is asked: nothing to go back to.
  const Status previous = PreviousImageStatus(cluster.updates().Snapshot(), *cluster.config());
  if (!previous.ok()) return StatusResponse(previous);
  return Accepted(cluster.controller().Rollback());
}

}  // namespace

json UpdateDocument(Cluster& cluster, const UpdateStatus& status) {
  return UpdateJson(status, *cluster.config(), cluster.controller().RollbackHint());
}

void AddUpdateRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back(UpdateRoute(app, "GET", "/api/update", Access::kRead, [](Cluster& cluster) {
    return JsonResponse(200, UpdateDocument(cluster, cluster.updates().Snapshot()));
  }));
  routes.push_back(
      UpdateRoute(app, "POST", "/api/update/check", Access::kMutation, [](Cluster& cluster) {
        return JsonResponse(200, UpdateDocument(cluster, cluster.updates().CheckNow()));
      }));
  routes.push_back(
      UpdateRoute(app, "POST", "/api/update/apply", Access::kMutation,
                  [](Cluster& cluster) { return Accepted(cluster.controller().ApplyUpdate()); }));
  routes.push_back(UpdateRoute(app, "POST", "/api/update/rollback", Access::kMutation, Rollback));
}

}  // namespace spark
