#pragma once
// The read models of API.md built from the latest snapshot and config (pure functions).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/config.h"
#include "exporter/connectivity_event.h"
#include "exporter/snapshot.h"

namespace spark {

// GET /api/endpoints (exact shape; LAN clients route traffic on it).
nlohmann::json EndpointsJson(const Snapshot& snapshot, const Config& config);
// GET /api/status.
nlohmann::json StatusJson(const Snapshot& snapshot, const Config& config,
                          const std::vector<std::string>& warnings);
// {"events": [...], "next": N}.
std::string EventsJson(const std::vector<ConnectivityEvent>& events, uint64_t next);

}  // namespace spark
