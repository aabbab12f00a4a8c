#include "exporter/diarization.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace spark {
namespace {

// Keeps exact frame boundaries on their frame: 0.56 s × 12.5 fps = 7.000000000000001.
constexpr double kEpsilon = 1e-6;
constexpr std::string_view kSpeakerPrefix = "speaker_";

bool ValidTimes(double start_s, double end_s) {
  return std::isfinite(start_s) && std::isfinite(end_s) && end_s > start_s;
}

}  // namespace

ScoreMatrix ScoreMatrix::FromRows(const std::vector<std::vector<double>>& rows) {
  ScoreMatrix matrix;
  if (rows.empty() || rows.front().empty()) return matrix;
  const size_t speakers = rows.front().size();
  for (const auto& row : rows) {
    if (row.size() != speakers) return matrix;
  }
  matrix.frames = rows.size();
  matrix.speakers = speakers;
  matrix.scores.reserve(rows.size() * speakers);
  for (const auto& row : rows) matrix.scores.insert(matrix.scores.end(), row.begin(), row.end());
  return matrix;
}

SegmentScorer::SegmentScorer(const ScoreMatrix& probs, double duration_s) {
  const size_t frames = probs.frames;
  const size_t speakers = probs.speakers;
  if (frames == 0 || speakers == 0 || frames > probs.scores.size() / speakers ||
      probs.scores.size() != frames * speakers) {
    return;
  }
  // Prefix counts are uint32_t; more frames than that is no recording.
  if (frames >= std::numeric_limits<uint32_t>::max()) return;
  if (!std::isfinite(duration_s) || duration_s <= 0) return;
  const double fps = static_cast<double>(frames) / duration_s;
  if (!std::isfinite(fps)) return;
  // Sigmoid outputs: anything outside [0, 1] (infinities included) is not one.
  for (const double score : probs.scores) {
    if (score < 0 || score > 1) return;
  }
  const size_t stride = frames + 1;
  sums_.assign(speakers * stride, 0);
  counts_.assign(speakers * stride, 0);
  for (size_t speaker = 0; speaker < speakers; ++speaker) {
    double* sums = &sums_[speaker * stride];
    uint32_t* counts = &counts_[speaker * stride];
    for (size_t frame = 0; frame < frames; ++frame) {
      const double score = probs.scores[frame * speakers + speaker];
      const bool known = !std::isnan(score);
      sums[frame + 1] = sums[frame] + (known ? score : 0);
      counts[frame + 1] = counts[frame] + (known ? 1 : 0);
    }
  }
  frames_ = frames;
  speakers_ = speakers;
  fps_ = fps;
}

std::optional<double> SegmentScorer::Confidence(double start_s, double end_s,
                                                size_t speaker) const {
  if (!usable() || !ValidTimes(start_s, end_s) || speaker >= speakers_) return std::nullopt;
  // Clamped as doubles first: a product that overflows to ±inf lands on an end, never in a cast.
  const double frames = static_cast<double>(frames_);
  const double first = std::clamp(std::floor(start_s * fps_ + kEpsilon), 0.0, frames);
  const double last = std::clamp(std::ceil(end_s * fps_ - kEpsilon), 0.0, frames);
  if (first >= last) return std::nullopt;
  const size_t base = speaker * (frames_ + 1);
  const size_t a = base + static_cast<size_t>(first);
  const size_t b = base + static_cast<size_t>(last);
  const uint32_t known = counts_[b] - counts_[a];
  if (known == 0) return std::nullopt;
  // A difference of prefix sums can stray from [0, 1] by rounding only.
  return std::clamp((sums_[b] - sums_[a]) / known, 0.0, 1.0);
}

std::optional<size_t> SpeakerIndex(std::string_view name) {
  if (name.substr(0, kSpeakerPrefix.size()) != kSpeakerPrefix) return std::nullopt;
  const std::string_view digits = name.substr(kSpeakerPrefix.size());
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  size_t index = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return index;
}

std::string SpeakerLabel(std::string_view speaker, std::optional<double> confidence,
                         double uncertain_below) {
  const auto index = SpeakerIndex(speaker);
  std::string label = index ? "Speaker_" + std::to_string(*index) : std::string(speaker);
  if (confidence && *confidence < uncertain_below) label += '?';
  return label;
}

DiarizationResult ScoreSegments(const DiarizationRequest& request, double uncertain_below) {
  std::optional<SegmentScorer> scorer;
  if (request.probs) scorer.emplace(*request.probs, request.duration_s);
  DiarizationResult result;
  result.segments.reserve(request.segments.size());
  for (const DiarizationSegment& segment : request.segments) {
    SegmentVerdict verdict;
    if (scorer) {
      if (const auto index = SpeakerIndex(segment.speaker)) {
        verdict.confidence = scorer->Confidence(segment.start, segment.end, *index);
      }
    } else if (ValidTimes(segment.start, segment.end)) {
      verdict.confidence = segment.confidence;
    }
    verdict.uncertain = verdict.confidence && *verdict.confidence < uncertain_below;
    verdict.label = SpeakerLabel(segment.speaker, verdict.confidence, uncertain_below);
    result.uncertain += verdict.uncertain ? 1 : 0;
    result.segments.push_back(std::move(verdict));
  }
  return result;
}

}  // namespace spark
