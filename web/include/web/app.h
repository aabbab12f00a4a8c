#pragma once
// The routes of API.md over the process's owners. Handlers read snapshots and enqueue
// work; they never touch the network or wait on a remote.

#include <functional>
#include <string>
#include <vector>

#include "controller/catalog.h"
#include "controller/config_store.h"
#include "controller/controller.h"
#include "controller/remote_executor.h"
#include "controller/ssh_health.h"
#include "controller/ssh_keys.h"
#include "exporter/change_feed.h"
#include "exporter/clock.h"
#include "exporter/diarization_stats.h"
#include "exporter/event_log.h"
#include "exporter/metrics.h"
#include "exporter/poller.h"
#include "exporter/report_stats.h"
#include "web/cluster_set.h"
#include "web/http.h"
#include "web/json_api.h"
#include "web/request_guard.h"

namespace spark {

struct App {
  const Clock& clock;
  ConfigStore& config;
  ClusterSet& clusters;  // each cluster's probes, reports, controller and SSH
  EventLog& events;      // one connectivity log; every event names its cluster
  Scraper& scraper;
  // Bumped by every cluster's owners, the event log and the config: SSE streams wait here.
  ChangeFeed& changes;
  std::function<std::vector<std::string>()> warnings;  // start-up and config warnings
  Catalog& catalog;
  // spark-control's SSH identity; not_found while the first-start key is being generated.
  std::function<Result<SshIdentity>()> identity;
  // What the HTTP server was started with (PUT /api/config refuses changes against them).
  Site site;
  int max_sse_clients_at_start = 64;
  // --demo only (null otherwise): makes `service` of the cluster named `cluster` crash
  // (POST /api/demo/crash/{service}); its answer's document, or why not.
  std::function<Result<nlohmann::json>(const std::string& cluster, const std::string& service)>
      demo_crash = nullptr;
};

// The cluster a request names with `?cluster=` (the default one without it); not_found
// naming an unknown one.
Result<ClusterPtr> ClusterOf(App& app, const Request& request);
// Runs `handle(cluster)` for the cluster the request names, or answers its not_found.
template <typename Handle>
Response OnCluster(App& app, const Request& request, Handle handle) {
  auto cluster = ClusterOf(app, request);
  if (!cluster.ok()) return StatusResponse(cluster.status());
  return handle(**cluster);
}

// GET /api/status's document for `cluster`, and a version that changes whenever it may have.
nlohmann::json StatusDocument(App& app, Cluster& cluster);
uint64_t StatusVersion(App& app, Cluster& cluster);
// The update document of `cluster` (GET /api/update, /api/status `update`) for `status`.
nlohmann::json UpdateDocument(Cluster& cluster, const UpdateStatus& status);

// 202 {"job"} for a started job, or the error that refused it.
Response Accepted(const Result<JobInfo>& job);

// The whole route table, in one place.
std::vector<Route> AppRoutes(App& app);

// Route groups (one file each).
void AddStatusRoutes(
    App& app, std::vector<Route>& routes);  // /healthz, /api/endpoints, /api/status, /metrics
void AddEventRoutes(App& app, std::vector<Route>& routes);        // /api/events, /api/events/stream
void AddReportRoutes(App& app, std::vector<Route>& routes);       // POST /api/health-event
void AddDiarizationRoutes(App& app, std::vector<Route>& routes);  // POST /api/diarization
void AddConfigRoutes(App& app, std::vector<Route>& routes);       // GET/PUT /api/config
void AddUiRoutes(App& app, std::vector<Route>& routes);           // GET / and static files
void AddModelRoutes(App& app, std::vector<Route>& routes);        // /api/models…
void AddJobRoutes(App& app, std::vector<Route>& routes);          // swap, services, /api/jobs…
void AddRecoveryRoutes(App& app, std::vector<Route>& routes);     // /api/recovery/…
void AddDownloadRoutes(App& app, std::vector<Route>& routes);     // /api/downloads, /api/cache…
void AddSshRoutes(App& app, std::vector<Route>& routes);          // /api/ssh/…
void AddClusterRoutes(App& app, std::vector<Route>& routes);      // /api/clusters…
void AddUpdateRoutes(App& app, std::vector<Route>& routes);       // /api/update…
void AddDemoRoutes(App& app, std::vector<Route>& routes);         // /api/demo/… (--demo only)

}  // namespace spark
