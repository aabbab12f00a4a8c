#pragma once
// Parses the body of POST /api/diarization (API.md "Diarization confidence"): the one place
// where client bytes become a DiarizationRequest. Pure, never throws; fuzzed in tests/fuzz.
// The `segments` and `probs` arrays are converted as they are read and unknown members are
// skipped, never held as a JSON tree, so memory stays near the body plus the caps whatever the
// body holds; a body nesting arrays and objects deeper than 64 levels is invalid_json.

#include <cstddef>
#include <optional>
#include <string_view>

#include "exporter/diarization.h"
#include "exporter/status.h"

namespace spark {

// Errors are Status codes of API.md with `field` a JSON path such as "segments[3].start":
//   invalid_json    not JSON, or not an object
//   missing_field   `segments`; `start`, `end` or `speaker` of an object segment; `duration`
//                   when `probs` is present
//   invalid_field   a wrong JSON type, a malformed segment string, a reported confidence
//                   outside [0, 1], a `source` over kMaxReportSourceBytes
//   body_too_large  T × S (rows × their longest row, at least 1) or the number of segments
//                   above `max_cells`
// Within each array the first problem in document order is reported; the other members are
// checked in the order source, segments, duration, probs. A repeated member replaces the
// earlier one.
// What merely makes a confidence unknowable (a ragged or empty tensor, a score outside [0, 1],
// duration ≤ 0, non-finite times) parses, and yields null confidences in ScoreSegments().
// A JSON null score is a missing one (NaN); a null `probs`, `source` or `confidence` is absent.
Result<DiarizationRequest> ParseDiarizationRequest(std::string_view body, size_t max_cells);

// NeMo's segment string "0.560 3.120 speaker_0": start, end, speaker separated by spaces or
// tabs. nullopt when it has not exactly three fields or a time is not a number.
std::optional<DiarizationSegment> ParseNemoSegment(std::string_view text);

}  // namespace spark
