#pragma once
// The small JSON bodies of the mutating routes, decoded as pure functions so they can be
// unit-tested and fuzzed without a server (the catalog and config bodies have their own
// decoders in controller/). Each takes the object ParseJsonBody returned; the first problem
// is a Status whose `field` names the member at fault. Thread-safe, no I/O.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "exporter/connectivity_event.h"
#include "exporter/status.h"

namespace spark {

struct Config;

// POST /api/health-event.
struct HealthReport {
  std::string service;  // "vllm" or a configured service
  bool ok = false;
  std::string source;        // ≤ kMaxReportSourceBytes
  std::string error;         // ≤ limits.max_string_bytes
  std::optional<double> ms;  // finite, ≥ 0
};
Result<HealthReport> ParseHealthReport(const nlohmann::json& body, const Config& config);
// The `report` event it is stored as (the log assigns id and time).
ConnectivityEvent ReportEvent(const HealthReport& report);

// POST /api/swap: the catalog id to swap to (not looked up here).
Result<std::string> ParseSwapRequest(const nlohmann::json& body);

// POST /api/downloads: {"hf_repo", "mode": "solo"|"cluster", "revision"?}. Shapes only
// (missing_field / invalid_field naming the key); the controller checks the allow-lists.
struct DownloadRequest {
  std::string hf_repo;
  bool cluster = false;
  std::optional<std::string> revision;
};
Result<DownloadRequest> ParseDownloadRequest(const nlohmann::json& body);

// POST /api/ssh/known-hosts/{spark}: the "SHA256:…" fingerprint the user confirms.
Result<std::string> ParseKnownHostsRequest(const nlohmann::json& body);

}  // namespace spark
