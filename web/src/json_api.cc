#include "web/json_api.h"

#include <map>

#include "exporter/json_depth.h"

namespace spark {

Response JsonResponse(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response ErrorResponse(int status, std::string_view code, std::string_view message,
                       std::string_view field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  return JsonResponse(status, {{"error", error}});
}

int HttpStatusFor(std::string_view code) {
  static const std::map<std::string_view, int> kStatus = {
      {"invalid_json", 400},
      {"missing_field", 400},
      {"invalid_field", 400},
      {"unknown_service", 400},
      {"unknown_model", 400},
      {"unauthorized", 401},
      {"origin_refused", 403},
      {"host_refused", 403},
      {"not_found", 404},
      {"method_not_allowed", 405},
      {"swap_running", 409},
      {"job_running", 409},
      {"pinned", 409},
      {"bundled_model", 409},
      {"conflict", 409},
      {"body_too_large", 413},
      {"unsupported_media_type", 415},
      {"rate_limited", 429},
      {"not_configured", 503},
      {"overloaded", 503},
      {"storage_failed", 503},
  };
  const auto it = kStatus.find(code);
  return it == kStatus.end() ? 500 : it->second;
}

Response StatusResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), status.code(), status.message(),
                       status.field());
}

Result<nlohmann::json> ParseJsonBody(const Request& request) {
  if (NestedDeeperThan(request.body, kMaxJsonDepth)) {
    return Status::Error("invalid_json", "the request body nests arrays and objects deeper than " +
                                             std::to_string(kMaxJsonDepth) + " levels");
  }
  auto doc = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Status::Error("invalid_json", "the request body is not valid JSON");
  }
  if (!doc.is_object())
    return Status::Error("invalid_json", "the request body must be a JSON object");
  return doc;
}

}  // namespace spark
