#pragma once
// JSON responses and the error shape of API.md:
// {"error": {"code": "snake_case", "message": "sentence", "field": "path"}}.

#include <nlohmann/json.hpp>
#include <string>

#include "exporter/status.h"
#include "web/http.h"

namespace spark {

Response JsonResponse(int status, const nlohmann::json& body);
Response ErrorResponse(int status, std::string_view code, std::string_view message,
                       std::string_view field = {});
// Maps a Status from a lower layer to its HTTP status (API.md's table).
Response StatusResponse(const Status& status);
int HttpStatusFor(std::string_view code);

// Parses a request body as a JSON object; on failure the 400 invalid_json response. The one
// place route bodies are parsed (the diarization parser keeps the same 64-level rule): nesting
// beyond kMaxJsonDepth is refused before anything recursive runs, so no body can exhaust a
// request thread's stack.
Result<nlohmann::json> ParseJsonBody(const Request& request);

}  // namespace spark
