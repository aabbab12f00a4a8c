#include "exporter/diarization_request.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "exporter/json_depth.h"
#include "exporter/json_number.h"
#include "exporter/report_stats.h"

namespace spark {
namespace {

using json = nlohmann::json;
using Event = json::parse_event_t;

Status Missing(const std::string& field) {
  return Status::Error(ErrorCode::kMissingField, "`" + field + "` is required", field);
}

Status Invalid(const std::string& field, const std::string& must) {
  return Status::Error(ErrorCode::kInvalidField, "`" + field + "` must be " + must, field);
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// The member `key` when present and not null.
const json* Member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

Status ReadNumber(const json& object, const char* key, const std::string& field, double& out) {
  const json* value = Member(object, key);
  if (value == nullptr) return Missing(field);
  if (!value->is_number()) return Invalid(field, "a number");
  out = value->get<double>();
  return Status::Ok();
}

bool ParseDouble(std::string_view text, double& out) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, out);
  return error == std::errc() && stop == end;
}

Status ParseSegmentObject(const json& value, const std::string& path, DiarizationSegment& out) {
  if (Status s = ReadNumber(value, "start", path + ".start", out.start); !s.ok()) return s;
  if (Status s = ReadNumber(value, "end", path + ".end", out.end); !s.ok()) return s;
  const json* speaker = Member(value, "speaker");
  if (speaker == nullptr) return Missing(path + ".speaker");
  if (!speaker->is_string()) return Invalid(path + ".speaker", "a string such as \"speaker_0\"");
  out.speaker = speaker->get<std::string>();
  if (const json* confidence = Member(value, "confidence")) {
    const auto c = NumberInRange(*confidence, 0, 1);
    if (!c) return Invalid(path + ".confidence", "a number from 0 to 1 or null");
    out.confidence = *c;
  }
  return Status::Ok();
}

Status TooManyCells(size_t max_cells) {
  return Status::Error(ErrorCode::kBodyTooLarge,
                       "`probs` has more than " + std::to_string(max_cells) +
                           " cells (frames × speakers, limits.max_diarization_cells)",
                       "probs");
}

// The callback of nlohmann's parse that keeps the tree small whatever the body holds: the
// elements of the two large arrays, `segments` and `probs`, are converted as they are read (or
// their first problem recorded) and dropped; unknown members are not stored; a container where
// a scalar belongs is kept empty, so it still fails its member's type check. (nlohmann calls
// back for everything inside a dropped container too; returning false keeps it out.)
// Depths: 1 = members of the top object, 2 = array elements (a segment, a row), 3 = the
// fields of a segment object or the scores of a row.
class ArrayStreams {
 public:
  explicit ArrayStreams(size_t max_cells) : max_cells_(max_cells) {}

  bool operator()(int depth, Event event, json& parsed) {
    if (depth == 0) {
      if (event == Event::object_start) top_is_object_ = true;
      return true;
    }
    // The elements of a top-level array or scalar: the body is refused, so keep nothing.
    if (!top_is_object_) return false;
    if (depth == 1) return TopMember(event, parsed);
    if (member_ == Member::kOther || !member_is_array_) return false;
    return member_ == Member::kSegments ? Segment(depth, event, parsed)
                                        : Score(depth, event, parsed);
  }

  // What the last `segments` / `probs` array held, or the first problem in it.
  Status segments_status = Status::Ok();
  std::vector<DiarizationSegment> segments;
  Status probs_status = Status::Ok();

  // An empty matrix when the rows are ragged or have no scores.
  ScoreMatrix TakeMatrix() {
    ScoreMatrix matrix;
    if (ragged_ || widest_ == 0) return matrix;
    matrix.frames = rows_;
    matrix.speakers = widest_;
    matrix.scores = std::move(scores_);
    return matrix;
  }

 private:
  enum class Member { kOther, kSegments, kProbs };

  bool TopMember(Event event, json& parsed) {
    switch (event) {
      case Event::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        member_ = key == "segments" ? Member::kSegments
                  : key == "probs"  ? Member::kProbs
                                    : Member::kOther;
        return member_ != Member::kOther || key == "source" || key == "duration";
      }
      case Event::array_start:
        member_is_array_ = true;
        if (member_ != Member::kOther) Restart();
        return true;
      case Event::object_start:
        member_is_array_ = false;
        return true;
      default:
        return true;
    }
  }

  // A repeated member replaces the earlier one, as in the tree.
  void Restart() {
    index_ = 0;
    if (member_ == Member::kSegments) {
      segments_status = Status::Ok();
      segments.clear();
      return;
    }
    probs_status = Status::Ok();
    scores_.clear();
    rows_ = widest_ = column_ = 0;
    ragged_ = in_row_ = false;
  }

  // Segment elements: strings and objects are converted, anything else is a 400.
  bool Segment(int depth, Event event, json& parsed) {
    if (!segments_status.ok()) return false;
    if (depth > 3) return false;  // inside a field's container
    if (depth == 3) {             // inside a segment object, kept until its end: only its fields
      return event != Event::key || IsSegmentField(parsed.get_ref<const std::string&>());
    }
    if (event == Event::object_start) return true;
    const std::string path = Index("segments", index_++);
    if (index_ > max_cells_) {
      // More segments than cells cannot each cover a distinct frame of a speaker.
      segments_status = Status::Error(
          ErrorCode::kBodyTooLarge,
          "at most " + std::to_string(max_cells_) + " segments are accepted", "segments");
      return false;
    }
    DiarizationSegment segment;
    if (event == Event::object_end) {
      segments_status = ParseSegmentObject(parsed, path, segment);
    } else if (event == Event::value && parsed.is_string()) {
      if (auto nemo = ParseNemoSegment(parsed.get_ref<const std::string&>())) {
        segment = std::move(*nemo);
      } else {
        segments_status =
            Invalid(path, "a string \"START END SPEAKER\" such as \"0.560 3.120 speaker_0\"");
      }
    } else {
      segments_status =
          Invalid(path, "an object {start, end, speaker} or a string \"START END SPEAKER\"");
    }
    if (segments_status.ok()) segments.push_back(std::move(segment));
    return false;
  }

  // Rows at depth 2, scores at depth 3: numbers, or null for a missing score.
  bool Score(int depth, Event event, json& parsed) {
    if (!probs_status.ok()) return false;
    if (depth == 2) {
      if (event == Event::array_start) return StartRow();
      if (event == Event::array_end) return EndRow();
      probs_status = Invalid(Index("probs", rows_), "an array of scores");
      return false;
    }
    if (depth != 3 || !in_row_ || event == Event::array_end) return false;
    const size_t column = column_++;
    if (event == Event::value && (parsed.is_number() || parsed.is_null())) {
      if (rows_ * std::max(widest_, column_) > max_cells_) {
        probs_status = TooManyCells(max_cells_);
      } else {
        scores_.push_back(parsed.is_null() ? std::numeric_limits<double>::quiet_NaN()
                                           : parsed.get<double>());
      }
    } else {
      probs_status = Invalid(Index(Index("probs", rows_ - 1), column), "a number or null");
    }
    return false;
  }

  bool StartRow() {
    ++rows_;
    if (rows_ * std::max<size_t>(widest_, 1) > max_cells_) {
      probs_status = TooManyCells(max_cells_);
      return false;
    }
    in_row_ = true;
    column_ = 0;
    return true;
  }

  bool EndRow() {
    if (rows_ > 1 && column_ != widest_) ragged_ = true;
    widest_ = std::max(widest_, column_);
    in_row_ = false;
    return false;
  }

  static bool IsSegmentField(const std::string& key) {
    return key == "start" || key == "end" || key == "speaker" || key == "confidence";
  }

  const size_t max_cells_;
  bool top_is_object_ = false;
  Member member_ = Member::kOther;
  bool member_is_array_ = false;  // the current member's value is an array
  size_t index_ = 0;              // segments read so far
  std::vector<double> scores_;
  size_t rows_ = 0;
  size_t widest_ = 0;
  size_t column_ = 0;  // scores read in the current row
  bool ragged_ = false;
  bool in_row_ = false;
};

// The checks of the small members, and the streamed arrays' results, in a fixed order.
Result<DiarizationRequest> Assemble(const json& body, ArrayStreams& streams) {
  DiarizationRequest request;
  if (const json* source = Member(body, "source")) {
    if (!source->is_string()) return Invalid("source", "a string");
    request.source = source->get<std::string>();
    if (request.source.size() > kMaxReportSourceBytes) {
      return Invalid("source", "at most " + std::to_string(kMaxReportSourceBytes) + " bytes");
    }
  }
  const json* segments = Member(body, "segments");
  if (segments == nullptr) return Missing("segments");
  if (!segments->is_array()) return Invalid("segments", "an array");
  if (!streams.segments_status.ok()) return streams.segments_status;
  request.segments = std::move(streams.segments);
  const json* duration = Member(body, "duration");
  if (duration != nullptr && !duration->is_number()) {
    return Invalid("duration", "a number of seconds");
  }
  if (const json* probs = Member(body, "probs")) {
    if (duration == nullptr) return Missing("duration");
    request.duration_s = duration->get<double>();
    if (!probs->is_array()) return Invalid("probs", "an array of frames, each an array of scores");
    if (!streams.probs_status.ok()) return streams.probs_status;
    request.probs = streams.TakeMatrix();
  }
  return request;
}

}  // namespace

Result<DiarizationRequest> ParseDiarizationRequest(std::string_view body, size_t max_cells) {
  try {
    if (NestedDeeperThan(body, kMaxJsonDepth)) {
      return Status::Error(ErrorCode::kInvalidJson,
                           "the request body nests arrays and objects deeper than " +
                               std::to_string(kMaxJsonDepth) + " levels");
    }
    ArrayStreams streams(max_cells);
    const json doc = json::parse(
        body,
        [&streams](int depth, Event event, json& parsed) { return streams(depth, event, parsed); },
        /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      return Status::Error(ErrorCode::kInvalidJson, "the request body is not valid JSON");
    }
    if (!doc.is_object()) {
      return Status::Error(ErrorCode::kInvalidJson, "the request body must be a JSON object");
    }
    return Assemble(doc, streams);
  } catch (const json::exception& e) {
    return Status::Error(ErrorCode::kInvalidJson,
                         std::string("the request body cannot be read: ") + e.what());
  }
}

std::optional<DiarizationSegment> ParseNemoSegment(std::string_view text) {
  std::string_view fields[3];
  size_t count = 0;
  size_t at = 0;
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (true) {
    while (at < text.size() && blank(text[at])) ++at;
    if (at == text.size()) break;
    if (count == std::size(fields)) return std::nullopt;
    size_t stop = at;
    while (stop < text.size() && !blank(text[stop])) ++stop;
    fields[count++] = text.substr(at, stop - at);
    at = stop;
  }
  DiarizationSegment segment;
  if (count != std::size(fields) || !ParseDouble(fields[0], segment.start) ||
      !ParseDouble(fields[1], segment.end)) {
    return std::nullopt;
  }
  segment.speaker = std::string(fields[2]);
  return segment;
}

}  // namespace spark
