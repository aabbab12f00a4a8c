#include <array>
#include <utility>

#include "exporter/probe.h"

namespace spark {

std::string ProbeTarget::BaseUrl() const {
  if (!configured()) return {};
  return "http://" + host + ":" + std::to_string(port);
}

std::optional<HttpResponse> ProbeGet(HttpClient& http, const ProbeTarget& target,
                                     std::string_view path, Duration deadline,
                                     size_t max_body_bytes, ProbeResult& result) {
  if (!target.configured()) {
    result.reason = FailureReason::kNotConfigured;
    result.error = "host not configured";
    return std::nullopt;
  }
  HttpRequest request;
  request.url = target.BaseUrl() + std::string(path);
  request.timeout = deadline;
  request.max_body_bytes = max_body_bytes;
  HttpResult answer = http.Send(request);
  if (!answer.ok()) {
    result.reason = answer.failure().reason;
    result.error = answer.failure().message;
    return std::nullopt;
  }
  return answer.response();
}

Prober ProberForKind(std::string_view kind) {
  static constexpr std::array<std::pair<std::string_view, Prober>, 3> kTable = {{
      {"llm", &ProbeVllm},
      {"stt", &ProbeHealth},
      {"tts", &ProbeHealth},
  }};
  for (const auto& [name, prober] : kTable) {
    if (name == kind) return prober;
  }
  return nullptr;
}

}  // namespace spark
