// libFuzzer target: the POST /api/diarization body parser and the scoring behind it. Any input
// must parse or fail with a Status (never crash, hang or throw); what parses must score to one
// verdict per segment, each confidence in [0, 1] or null, and count its uncertain ones.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exporter/diarization_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto request = spark::ParseDiarizationRequest(body, 360000);
  if (!request.ok()) {
    if (request.status().code().empty() || request.status().message().empty()) std::abort();
    return 0;
  }
  const spark::DiarizationResult result = spark::ScoreSegments(*request, 0.5);
  if (result.segments.size() != request->segments.size()) std::abort();
  size_t uncertain = 0;
  for (const spark::SegmentVerdict& verdict : result.segments) {
    if (verdict.confidence && !(*verdict.confidence >= 0 && *verdict.confidence <= 1)) std::abort();
    if (verdict.uncertain != (verdict.confidence && *verdict.confidence < 0.5)) std::abort();
    uncertain += verdict.uncertain ? 1 : 0;
  }
  if (uncertain != result.uncertain) std::abort();
  return 0;
}
