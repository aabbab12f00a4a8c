#pragma once
// The read models of API.md built from the latest snapshot and config (pure functions).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/config.h"
#include "controller/job.h"
#include "controller/recovery_status.h"
#include "controller/ssh_health.h"
#include "exporter/connectivity_event.h"
#include "exporter/snapshot.h"

namespace spark {

// GET /api/endpoints (exact shape; LAN clients route traffic on it).
nlohmann::json EndpointsJson(const Snapshot& snapshot, const Config& config);
// What the controller adds to /api/status.
struct ControlView {
  std::optional<std::string> model_id;  // the catalog id of the served model
  std::vector<JobInfo> running_jobs;
  std::map<std::string, SparkSshState> ssh;
  nlohmann::json update;                           // the update document (web/update_json.h)
  std::map<std::string, RecoveryStatus> recovery;  // by service; empty without a recovery loop
};

// One service's recovery: {state, attempts, next_at, last_reason, job} (null for an empty
// reason, no time or no job).
nlohmann::json RecoveryJson(const RecoveryStatus& status);
// GET /api/status.
nlohmann::json StatusJson(const Snapshot& snapshot, const Config& config,
                          const std::vector<std::string>& warnings, const ControlView& control);
// {"events": [...], "next": N}.
std::string EventsJson(const std::vector<ConnectivityEvent>& events, uint64_t next);

}  // namespace spark
