#include "web/json_api.h"

#include "exporter/json_depth.h"

namespace spark {

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response JsonResponse(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.body = DumpJson(body);
  return response;
}

Response ErrorResponse(ErrorCode code, std::string_view message, std::string_view field) {
  nlohmann::json error = {{"code", ErrorCodeName(code)}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  return JsonResponse(HttpStatusOf(code), {{"error", error}});
}

Response StatusResponse(const Status& status) {
  // An Ok status here is a defect of the caller, not an input: the one way to a 500.
  return ErrorResponse(status.code().value_or(ErrorCode::kInternal), status.message(),
                       status.field());
}

Result<nlohmann::json> ParseJsonBody(const Request& request) {
  if (NestedDeeperThan(request.body, kMaxJsonDepth)) {
    return Status::Error(ErrorCode::kInvalidJson,
                         "the request body nests arrays and objects deeper than " +
                             std::to_string(kMaxJsonDepth) + " levels");
  }
  auto doc = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Status::Error(ErrorCode::kInvalidJson, "the request body is not valid JSON");
  }
  if (!doc.is_object())
    return Status::Error(ErrorCode::kInvalidJson, "the request body must be a JSON object");
  return doc;
}

}  // namespace spark
