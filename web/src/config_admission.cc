#include "web/config_admission.h"

#include <algorithm>

#include "controller/config_schema.h"

namespace spark {
namespace {

// The http.* key whose change is to blame for a refusal.
std::string BlamedField(const Config& before, const Config& next) {
  if (before.http.allowed_hosts != next.http.allowed_hosts) return "http.allowed_hosts";
  if (before.http.allowed_origins != next.http.allowed_origins) return "http.allowed_origins";
  if (before.http.trusted_proxies != next.http.trusted_proxies) return "http.trusted_proxies";
  return {};
}

std::string MessageOf(const Response& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("error")) return response.body;
  return body["error"].value("message", "");
}

}  // namespace

Result<Config> PreviewConfig(const Config& current, const nlohmann::json& patch) {
  nlohmann::json tree = EncodeConfig(current, /*redact=*/false);
  tree.merge_patch(patch);
  return DecodeConfig(tree);
}

Status AdmitConfigChange(const Request& request, const Config& before, const Config& next,
                         const Site& site, int max_sse_clients_at_start) {
  const int sse = next.limits.max_sse_clients;
  if (sse > max_sse_clients_at_start && sse != before.limits.max_sse_clients) {
    return Status::Error(
        ErrorCode::kConflict,
        "limits.max_sse_clients cannot be raised above " +
            std::to_string(max_sse_clients_at_start) +
            " while spark-control runs: its request threads were sized from it at start. Set it "
            "in the operator config and restart spark-control",
        "limits.max_sse_clients");
  }
  if (static_cast<size_t>(std::max(next.limits.max_body_bytes, 0LL)) < request.body.size()) {
    return Status::Error(ErrorCode::kConflict,
                         "limits.max_body_bytes " + std::to_string(next.limits.max_body_bytes) +
                             " is smaller than this request (" +
                             std::to_string(request.body.size()) +
                             " bytes): the next change like it could not be sent",
                         "limits.max_body_bytes");
  }
  const bool token_valid = TokenValid(request, before, Access::kMutation);
  if (auto refused = CheckSite(request, next, site, Access::kMutation, token_valid)) {
    return Status::Error(ErrorCode::kConflict,
                         "this change would lock out the request that sends it, so it was not "
                         "applied; under the new settings it would get: " +
                             MessageOf(*refused),
                         BlamedField(before, next));
  }
  return Status::Ok();
}

}  // namespace spark
