#include "exporter/diarization_request.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "exporter/report_stats.h"

namespace spark {
namespace {

using json = nlohmann::json;

Status Missing(const std::string& field) {
  return Status::Error("missing_field", "`" + field + "` is required", field);
}

Status Invalid(const std::string& field, const std::string& must) {
  return Status::Error("invalid_field", "`" + field + "` must be " + must, field);
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
    const double c = confidence->is_number() ? confidence->get<double>() : -1;
    if (!(c >= 0 && c <= 1)) return Invalid(path + ".confidence", "a number from 0 to 1 or null");
    out.confidence = c;
  }
  return Status::Ok();
}

Status ParseSegments(const json& body, size_t max_cells, std::vector<DiarizationSegment>& out) {
  const json* segments = Member(body, "segments");
  if (segments == nullptr) return Missing("segments");
  if (!segments->is_array()) return Invalid("segments", "an array");
  // More segments than cells cannot each cover a distinct frame of a speaker.
  if (segments->size() > max_cells) {
    return Status::Error("body_too_large",
                         "at most " + std::to_string(max_cells) + " segments are accepted",
                         "segments");
  }
  out.reserve(segments->size());
  for (size_t i = 0; i < segments->size(); ++i) {
    const json& value = (*segments)[i];
    const std::string path = Index("segments", i);
    if (value.is_string()) {
      auto segment = ParseNemoSegment(value.get_ref<const std::string&>());
      if (!segment) {
        return Invalid(path, "a string \"START END SPEAKER\" such as \"0.560 3.120 speaker_0\"");
      }
      out.push_back(std::move(*segment));
    } else if (value.is_object()) {
      DiarizationSegment segment;
      if (Status s = ParseSegmentObject(value, path, segment); !s.ok()) return s;
      out.push_back(std::move(segment));
    } else {
      return Invalid(path, "an object {start, end, speaker} or a string \"START END SPEAKER\"");
    }
  }
  return Status::Ok();
}

// Checks the shape first (rows × longest row against the cap), then every score's type.
Status ParseProbs(const json& probs, size_t max_cells, ScoreMatrix& out) {
  if (!probs.is_array()) return Invalid("probs", "an array of frames, each an array of scores");
  size_t widest = 0;
  bool ragged = false;
  for (size_t i = 0; i < probs.size(); ++i) {
    const json& row = probs[i];
    if (!row.is_array()) return Invalid(Index("probs", i), "an array of scores");
    if (i > 0 && row.size() != widest) ragged = true;
    widest = std::max(widest, row.size());
  }
  const size_t cells = probs.size() * std::max<size_t>(widest, 1);
  if (cells > max_cells) {
    return Status::Error("body_too_large",
                         "`probs` has " + std::to_string(cells) +
                             " cells (frames × speakers); at most " + std::to_string(max_cells) +
                             " are accepted",
                         "probs");
  }
  std::vector<double> scores;
  scores.reserve(cells);
  for (size_t i = 0; i < probs.size(); ++i) {
    const json& row = probs[i];
    for (size_t j = 0; j < row.size(); ++j) {
      const json& score = row[j];
      if (score.is_number()) {
        scores.push_back(score.get<double>());
      } else if (score.is_null()) {
        scores.push_back(std::numeric_limits<double>::quiet_NaN());
      } else {
        return Invalid(Index(Index("probs", i), j), "a number or null");
      }
    }
  }
  if (!ragged && widest > 0) {
    out.frames = probs.size();
    out.speakers = widest;
    out.scores = std::move(scores);
  }
  return Status::Ok();
}

Result<DiarizationRequest> ParseObject(const json& body, size_t max_cells) {
  DiarizationRequest request;
  if (const json* source = Member(body, "source")) {
    if (!source->is_string()) return Invalid("source", "a string");
    request.source = source->get<std::string>();
    if (request.source.size() > kMaxReportSourceBytes) {
      return Invalid("source", "at most " + std::to_string(kMaxReportSourceBytes) + " bytes");
    }
  }
  if (Status s = ParseSegments(body, max_cells, request.segments); !s.ok()) return s;
  const json* duration = Member(body, "duration");
  if (duration != nullptr && !duration->is_number())
    return Invalid("duration", "a number of seconds");
  if (const json* probs = Member(body, "probs")) {
    if (duration == nullptr) return Missing("duration");
    request.duration_s = duration->get<double>();
    ScoreMatrix matrix;
    if (Status s = ParseProbs(*probs, max_cells, matrix); !s.ok()) return s;
    request.probs = std::move(matrix);
  }
  return request;
}

}  // namespace

Result<DiarizationRequest> ParseDiarizationRequest(std::string_view body, size_t max_cells) {
  try {
    const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded())
      return Status::Error("invalid_json", "the request body is not valid JSON");
    if (!doc.is_object())
      return Status::Error("invalid_json", "the request body must be a JSON object");
    return ParseObject(doc, max_cells);
  } catch (const json::exception& e) {
    return Status::Error("invalid_json",
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
