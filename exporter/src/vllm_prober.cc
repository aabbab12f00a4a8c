#include <nlohmann/json.hpp>

#include "exporter/probe.h"

namespace spark {

std::vector<std::string> ParseVllmModelIds(std::string_view body) {
  std::vector<std::string> ids;
  const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return ids;
  const auto data = doc.find("data");
  if (data == doc.end() || !data->is_array()) return ids;
  for (const auto& entry : *data) {
    if (!entry.is_object()) continue;
    const auto id = entry.find("id");
    if (id == entry.end() || !id->is_string() || id->get_ref<const std::string&>().empty())
      continue;
    ids.push_back(id->get<std::string>());
  }
  return ids;
}

std::optional<std::string> ParseVllmModelId(std::string_view body) {
  std::vector<std::string> ids = ParseVllmModelIds(body);
  if (ids.empty()) return std::nullopt;
  return std::move(ids.front());
}

ProbeResult ProbeVllm(HttpClient& http, const ProbeTarget& target, Duration deadline) {
  ProbeResult result;
  const auto response = ProbeGet(http, target, "/v1/models", deadline, 1 << 20, result);
  if (!response) return result;
  if (response->status != 200) {
    result.reason = FailureReason::kHttpStatus;
    result.error = "HTTP " + std::to_string(response->status);
    return result;
  }
  result.model = ParseVllmModelId(response->body);
  if (!result.model) {
    result.reason = FailureReason::kBadBody;
    result.error = "/v1/models answered 200 without a model list";
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace spark
