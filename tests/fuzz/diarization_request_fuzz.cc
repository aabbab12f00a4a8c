// POST /api/diarization: the body parser and the scoring behind it. Any input must parse or
// fail with a Status (never crash, hang or throw); what parses must score to one verdict per
// segment, each confidence in [0, 1] or null, and count its uncertain ones.
#include "exporter/diarization_request.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

void FuzzDiarizationRequest(std::string_view input) {
  const auto request = ParseDiarizationRequest(input, 360000);
  if (!request.ok()) {
    Require(!request.status().ok() && !request.status().message().empty(),
            "a refused body has a code and a message");
    return;
  }
  const DiarizationResult result = ScoreSegments(*request, 0.5);
  Require(result.segments.size() == request->segments.size(), "one verdict per segment");
  size_t uncertain = 0;
  for (const SegmentVerdict& verdict : result.segments) {
    Require(!verdict.confidence || (*verdict.confidence >= 0 && *verdict.confidence <= 1),
            "a confidence is in [0, 1] or null");
    Require(verdict.uncertain == (verdict.confidence && *verdict.confidence < 0.5),
            "uncertain means a confidence below the threshold");
    uncertain += verdict.uncertain ? 1 : 0;
  }
  Require(uncertain == result.uncertain, "the uncertain count matches the verdicts");
}

}  // namespace spark::fuzz
