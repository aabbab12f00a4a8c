#include "exporter/probe.h"

namespace spark {

ProbeResult ProbeHealth(HttpClient& http, const ProbeTarget& target, Duration deadline) {
  ProbeResult result;
  const auto response = ProbeGet(http, target, target.health_path, deadline, 64 * 1024, result);
  if (!response) return result;
  if (response->status < 200 || response->status > 299) {
    result.reason = FailureReason::kHttpStatus;
    result.error = "HTTP " + std::to_string(response->status);
    return result;
  }
  result.ok = true;
  if (!target.configured_model.empty()) result.model = target.configured_model;
  return result;
}

}  // namespace spark
