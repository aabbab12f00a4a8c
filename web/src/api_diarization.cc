// POST /api/diarization: a confidence and a display label per diarization segment, reported
// by the client or computed from Sortformer's frame scores (API.md "Diarization confidence").
#include <nlohmann/json.hpp>

#include "exporter/diarization_request.h"
#include "web/app.h"
#include "web/json_api.h"
#include "web/request_guard.h"

namespace spark {
namespace {

// Appends `value` as JSON: numbers shortest round-trip (non-finite ones as null), strings escaped.
void Append(std::string& out, const nlohmann::json& value) {
  out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"segments": [{start, end, speaker, confidence, label}], "uncertain": N}, written straight
// into text: a request may carry up to limits.max_diarization_cells segments, and a JSON tree
// of that many objects would cost several times the text.
std::string ResponseBody(const DiarizationRequest& request, const DiarizationResult& result) {
  std::string out = "{\"segments\":[";
  out.reserve(out.size() + request.segments.size() * 96);
  for (size_t i = 0; i < request.segments.size(); ++i) {
    const DiarizationSegment& segment = request.segments[i];
    const SegmentVerdict& verdict = result.segments[i];
    out += i == 0 ? "{\"start\":" : ",{\"start\":";
    Append(out, segment.start);
    out += ",\"end\":";
    Append(out, segment.end);
    out += ",\"speaker\":";
    Append(out, segment.speaker);
    out += ",\"confidence\":";
    Append(out, verdict.confidence ? nlohmann::json(*verdict.confidence) : nlohmann::json());
    out += ",\"label\":";
    Append(out, verdict.label);
    out += '}';
  }
  out += "],\"uncertain\":" + std::to_string(result.uncertain) + "}";
  return out;
}

Response Diarize(App& app, const Request& http) {
  auto cluster = ClusterOf(app, http);
  if (!cluster.ok()) return StatusResponse(cluster.status());
  const ConfigPtr config = (*cluster)->config();
  const auto max_cells = static_cast<size_t>(config->limits.max_diarization_cells);
  const auto request = ParseDiarizationRequest(http.body, max_cells);
  if (!request.ok()) return StatusResponse(request.status());
  const DiarizationResult result = ScoreSegments(*request, config->diarization.uncertain_below);
  (*cluster)->diarization().Record(request->source, result, HasAnyToken(http, *config));
  Response response;
  response.body = ResponseBody(*request, result);
  return response;
}

}  // namespace

void AddDiarizationRoutes(App& app, std::vector<Route>& routes) {
  routes.push_back({"POST",
                    "/api/diarization",
                    Access::kReport,
                    [&app](const Request& request) { return Diarize(app, request); },
                    {},
                    [](const Config& config) {
                      return static_cast<size_t>(config.limits.max_diarization_body_bytes);
                    }});
}

}  // namespace spark
