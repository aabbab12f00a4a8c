#include "exporter/probe.h"

namespace spark {

ProbeResult ProbeHealth(HttpClient& http, const ProbeTarget& target, Duration deadline) {
  ProbeResult result;
  if (!target.configured()) {
    result.error = "host not configured";
    return result;
  }
  HttpRequest request;
  request.url = target.BaseUrl() + target.health_path;
  request.timeout = deadline;
  request.max_body_bytes = 64 * 1024;
  const HttpResult answer = http.Send(request);
  if (!answer.ok()) {
    result.reason = answer.failure().reason;
    result.error = answer.failure().message;
    return result;
  }
  const long status = answer.response().status;
  if (status < 200 || status > 299) {
    result.reason = FailureReason::kHttpStatus;
    result.error = "HTTP " + std::to_string(status);
    return result;
  }
  result.ok = true;
  if (!target.configured_model.empty()) result.model = target.configured_model;
  return result;
}

}  // namespace spark
