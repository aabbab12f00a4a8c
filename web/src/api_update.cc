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

// Whether the snapshot's images were read after the newest update job ended. Right after an
// apply (the refresh it asks for still under way), or before the first inspect, they may be
// out of date: then the rollback job itself inspects the Sparks and says no_previous_image.
bool ImagesCurrent(const UpdateStatus& status, const Controller& controller) {
  if (!status.images_at) return false;
  for (const JobInfo& job : controller.Jobs()) {  // newest first
    if (job.kind == JobKind::kUpdate) return job.ended_at && *job.ended_at <= *status.images_at;
  }
  return true;
}

Response Rollback(Cluster& cluster) {
  // Refused from a current snapshot, before the controller is asked: nothing to go back to.
  const UpdateStatus status = cluster.updates().Snapshot();
  if (ImagesCurrent(status, cluster.controller())) {
    const Status previous = PreviousImageStatus(status, *cluster.config());
    if (!previous.ok()) return StatusResponse(previous);
  }
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
