#pragma once
// Per-segment speaker confidence from Sortformer's frame scores (API.md "Diarization
// confidence"). Pure functions over values: no I/O, no exceptions, no shared state.
// An input that cannot give a trustworthy number gives std::nullopt, never a guess.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spark {

// Sigmoid scores of `frames` (T) × `speakers` (S), row-major. NaN marks a missing score.
struct ScoreMatrix {
  size_t frames = 0;
  size_t speakers = 0;
  std::vector<double> scores;  // frames × speakers values

  // From T rows of S scores; an empty or ragged input gives an empty matrix.
  static ScoreMatrix FromRows(const std::vector<std::vector<double>>& rows);
};

// Scores segments against one matrix. Construction is O(T·S): it validates the matrix and the
// duration once and keeps per-speaker prefix sums, so each segment then costs O(1) however
// long it is. Immutable after construction; safe to share between threads.
class SegmentScorer {
 public:
  // The frame rate is probs.frames / duration_s (never a fixed stride). An empty matrix, a
  // score outside [0, 1] (NaN aside), a size mismatch, or a duration that is not finite and
  // > 0 makes the scorer unusable: every Confidence() is then nullopt.
  SegmentScorer(const ScoreMatrix& probs, double duration_s);

  bool usable() const { return fps_ > 0; }
  double frames_per_second() const { return fps_; }

  // Mean score of `speaker` over the frames [floor(start·fps + ε), ceil(end·fps − ε)) clipped
  // to [0, T), ε = 1e-6, NaN scores skipped. nullopt when the scorer is unusable, a time is
  // not finite, end ≤ start, speaker ≥ S, no frame is covered, or every covered score is NaN.
  // A result is always in [0, 1].
  std::optional<double> Confidence(double start_s, double end_s, size_t speaker) const;

 private:
  size_t frames_ = 0;
  size_t speakers_ = 0;
  double fps_ = 0;                // 0 = unusable
  std::vector<double> sums_;      // per speaker, T + 1 prefix sums (NaN counted as 0)
  std::vector<uint32_t> counts_;  // per speaker, T + 1 prefix counts of non-NaN scores
};

// `speaker_N` (N in ASCII digits, at most 9) → N; nullopt for any other name.
std::optional<size_t> SpeakerIndex(std::string_view name);

// The display name: `Speaker_N` for `speaker_N`, any other name as sent; with "?" appended
// when `confidence` is known and below `uncertain_below`.
std::string SpeakerLabel(std::string_view speaker, std::optional<double> confidence,
                         double uncertain_below);

// One segment as a client sends it (object or NeMo string form).
struct DiarizationSegment {
  double start = 0;  // seconds from the start of the audio
  double end = 0;
  std::string speaker;               // as sent, e.g. "speaker_0"
  std::optional<double> confidence;  // reported by the client; in [0, 1] when set
};

// A POST /api/diarization body, parsed (diarization_request.h).
struct DiarizationRequest {
  std::string source;  // the client's name, as sent (≤ 256 bytes)
  std::vector<DiarizationSegment> segments;
  std::optional<ScoreMatrix> probs;  // set = the compute form
  double duration_s = 0;             // the audio's length; meaningful with `probs`
};

struct SegmentVerdict {
  std::optional<double> confidence;
  std::string label;       // SpeakerLabel()
  bool uncertain = false;  // confidence known and below the threshold
};

struct DiarizationResult {
  std::vector<SegmentVerdict> segments;  // one per request segment, in order
  size_t uncertain = 0;                  // how many are uncertain
};

// The confidence and label of every segment: computed from `probs` when present (probs win
// over reported confidences), else the reported one. In both forms a segment whose times are
// not finite or whose end ≤ start gets no confidence. O(T·S + segments).
DiarizationResult ScoreSegments(const DiarizationRequest& request, double uncertain_below);

}  // namespace spark
