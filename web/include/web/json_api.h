#pragma once
// JSON responses and the error shape of API.md:
// {"error": {"code": "snake_case", "message": "sentence", "field": "path"}}.

#include <nlohmann/json.hpp>
#include <string>

#include "exporter/status.h"
#include "web/http.h"

namespace spark {

// `value` as one line of JSON. Text from outside (a remote's output, a file, a config value)
// may hold invalid UTF-8: it becomes U+FFFD instead of a throw mid-response or mid-stream.
std::string DumpJson(const nlohmann::json& value);
Response JsonResponse(int status, const nlohmann::json& body);
// The error body of `code` with the HTTP status its table row gives (exporter/error_code.h).
Response ErrorResponse(ErrorCode code, std::string_view message, std::string_view field = {});
// A Status from a lower layer as its error response.
Response StatusResponse(const Status& status);

// Parses a request body as a JSON object; on failure the 400 invalid_json response. The one
// place route bodies are parsed (the diarization parser keeps the same 64-level rule): nesting
// beyond kMaxJsonDepth is refused before anything recursive runs, so no body can exhaust a
// request thread's stack.
Result<nlohmann::json> ParseJsonBody(const Request& request);

}  // namespace spark
