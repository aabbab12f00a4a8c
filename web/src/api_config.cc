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

// job_running (409) when `next` drops a cluster that runs a job: removing it would cancel the
// job (and wait for its clean-up) as a side effect of a settings change. The user waits for it
// or cancels it first. A job started between this check and the change is cancelled then.
Status AdmitClusterRemoval(App& app, const Config& next) {
  const std::vector<Config> kept = ClusterConfigs(next);
  const std::vector<ClusterPtr> running = app.clusters.All();
  for (size_t i = 1; i < running.size(); ++i) {
    const std::string name = running[i]->name();
    const bool stays = std::any_of(kept.begin() + 1, kept.end(),
                                   [&name](const Config& c) { return c.cluster == name; });
    if (stays) continue;
    const std::vector<JobInfo> jobs = running[i]->controller().RunningJobs();
    if (jobs.empty()) continue;
    const JobInfo& job = jobs.front();
    return Status::Error(ErrorCode::kJobRunning,
                         "cluster " + name + " runs job " + job.id + " (" +
                             std::string(JobKindName(job.kind)) + " " + job.target +
                             "): wait for it or cancel it (DELETE /api/jobs/" + job.id +
                             "?cluster=" + name + ") before removing the cluster",
                         "clusters");
  }
  return Status::Ok();
}

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
    if (Status busy = AdmitClusterRemoval(app, *next); !busy.ok()) return StatusResponse(busy);
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
