// Automatic recovery (docs/api.md "Recovery"): POST /api/recovery/{service}/resume.
#include "web/app.h"
#include "web/json_api.h"
#include "web/status_json.h"

namespace spark {
namespace {

// Clears the service's attempts (a tripped breaker closes) and answers its recovery after it.
Response Resume(Cluster& cluster, const std::string& service) {
  RecoveryLoop* recovery = cluster.recovery();
  if (recovery == nullptr) {
    return ErrorResponse(ErrorCode::kNotFound, "recovery does not run on this cluster", "service");
  }
  if (const Status resumed = recovery->Resume(service); !resumed.ok()) {
    return StatusResponse(resumed);
  }
  const auto snapshot = recovery->Snapshot();
  const auto it = snapshot.find(service);
  if (it == snapshot.end()) {  // removed from the configuration meanwhile
    return ErrorResponse(ErrorCode::kNotFound, "no service \"" + service + "\"", "service");
  }
  return JsonResponse(200, {{"service", service}, {"recovery", RecoveryJson(it->second)}});
}

}  // namespace

void AddRecoveryRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"POST",
                    "/api/recovery/{service}/resume",
                    Access::kMutation,
                    [&app](const Request& request) {
                      return OnCluster(app, request, [&request](Cluster& cluster) {
                        return Resume(cluster, request.params.at("service"));
                      });
                    },
                    {},
                    {}});
}

}  // namespace spark
