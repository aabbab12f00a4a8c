// Segment confidence from frame scores, with expectations computed by hand.
#include "exporter/diarization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/values.h"

namespace spark {
namespace {

using test::kNaN;

constexpr double kInf = std::numeric_limits<double>::infinity();

// 10 frames × 2 speakers over 0.8 s = Sortformer's 12.5 fps (0.08 s frames).
// Speaker 0 falls 0.9, 0.8 … 0.0; speaker 1 rises 0.05, 0.15 … 0.95.
ScoreMatrix Ramps() {
  std::vector<std::vector<double>> rows;
  for (int f = 0; f < 10; ++f) rows.push_back({0.9 - 0.1 * f, 0.05 + 0.1 * f});
  return ScoreMatrix::FromRows(rows);
}

// `frames` × 3 speakers; speaker 2 scores frame f with f / 100.
ScoreMatrix FrameNumbers(int frames) {
  std::vector<std::vector<double>> rows;
  for (int f = 0; f < frames; ++f) rows.push_back({0.5, 0.5, f / 100.0});
  return ScoreMatrix::FromRows(rows);
}

struct ScoringCase {
  const char* what;
  double start;
  double end;
  size_t speaker;
  std::optional<double> expected;
};

void ExpectCases(const SegmentScorer& scorer, const std::vector<ScoringCase>& cases) {
  for (const ScoringCase& c : cases) {
    const auto got = scorer.Confidence(c.start, c.end, c.speaker);
    if (!c.expected) {
      EXPECT_FALSE(got.has_value()) << c.what << ": got " << *got;
    } else {
      ASSERT_TRUE(got.has_value()) << c.what;
      EXPECT_NEAR(*got, *c.expected, 1e-12) << c.what;
    }
  }
}

TEST(DiarizationConfidence, FramesCoveredAt12Point5Fps) {
  const SegmentScorer scorer(Ramps(), 0.8);
  ASSERT_TRUE(scorer.usable());
  EXPECT_DOUBLE_EQ(scorer.frames_per_second(), 12.5);
  ExpectCases(
      scorer,
      {
          {"the first frame exactly", 0.0, 0.08, 0, 0.9},
          {"a whole-frame span", 0.16, 0.40, 0, (0.7 + 0.6 + 0.5) / 3},
          // 0.56 × 12.5 = 7.000000000000001: without ε the ceil would take frame 7 too.
          {"an end on the 0.56 s boundary", 0.24, 0.56, 0, (0.6 + 0.5 + 0.4 + 0.3) / 4},
          // 0.56 s is frame 7 exactly.
          {"a start on the 0.56 s boundary", 0.56, 0.64, 0, 0.2},
          {"inside one frame", 0.10, 0.15, 0, 0.8},
          {"a sliver across a boundary touches both frames", 0.15, 0.17, 0, (0.8 + 0.7) / 2},
          {"crossing the end of the tensor", 0.64, 5.0, 1, (0.85 + 0.95) / 2},
          {"starting before the audio", -1.0, 0.08, 0, 0.9},
          {"the whole tensor", 0.0, 0.8, 1, 0.5},
      });
}

TEST(DiarizationConfidence, StartJustBelowAFrameBoundaryStaysOnIt) {
  // 2.32 × 12.5 = 28.999999999999996: without ε the floor would take frame 28.
  const SegmentScorer scorer(FrameNumbers(40), 3.2);
  ExpectCases(scorer, {{"2.32 s is frame 29", 2.32, 2.40, 2, 0.29}});
}

TEST(DiarizationConfidence, OverlappingSpeakersAreScoredIndependently) {
  // Sigmoids are independent per speaker: both can be sure at once (sums need not be 1).
  const ScoreMatrix both = ScoreMatrix::FromRows(
      {{0.9, 0.8, 0.1, 0.0}, {0.95, 0.7, 0.2, 0.0}, {0.85, 0.9, 0.0, 0.0}, {0.1, 0.9, 0.0, 0.0}});
  const SegmentScorer scorer(both, 0.32);
  ExpectCases(scorer, {
                          {"speaker 0 during the overlap", 0.0, 0.24, 0, (0.9 + 0.95 + 0.85) / 3},
                          {"speaker 1 during the overlap", 0.0, 0.24, 1, (0.8 + 0.7 + 0.9) / 3},
                          {"speaker 1 alone after it", 0.24, 0.32, 1, 0.9},
                          {"a silent speaker", 0.0, 0.32, 3, 0.0},
                      });
}

TEST(DiarizationConfidence, FrameRateIsDerivedFromTheTensor) {
  // A 5.0 s clip gives Sortformer 63 frames: 12.6 fps, not 12.5.
  const SegmentScorer scorer(FrameNumbers(63), 5.0);
  EXPECT_DOUBLE_EQ(scorer.frames_per_second(), 12.6);
  ExpectCases(
      scorer,
      {
          // 4.056 × 12.6 = 51.1: frames 51 … 62 (at 12.5 fps it would be 50 … 62, mean 0.56).
          {"to the end of the clip", 4.056, 5.0, 2, (51 + 62) / 200.0},
          // 0.5 × 12.6 = 6.3 → 6; 1.0 × 12.6 = 12.6 → 13.
          {"half a second", 0.5, 1.0, 2, (6 + 12) / 200.0},
      });
}

TEST(DiarizationConfidence, MissingScoresAreSkippedUnlessAllAreMissing) {
  const ScoreMatrix gaps = ScoreMatrix::FromRows({{0.9}, {kNaN}, {0.7}, {kNaN}, {kNaN}});
  const SegmentScorer scorer(gaps, 0.4);
  ExpectCases(scorer, {
                          {"one NaN frame skipped", 0.0, 0.24, 0, 0.8},
                          {"every covered frame NaN", 0.24, 0.4, 0, std::nullopt},
                      });
}

TEST(DiarizationConfidence, SegmentsThatCannotBeScoredAreNull) {
  const SegmentScorer scorer(Ramps(), 0.8);
  ExpectCases(scorer,
              {
                  {"no frame covered (a sliver on a boundary)", 0.08, 0.080000001, 0, std::nullopt},
                  {"entirely after the audio", 1.0, 2.0, 0, std::nullopt},
                  {"entirely before the audio", -2.0, -1.0, 0, std::nullopt},
                  {"end equal to start", 0.16, 0.16, 0, std::nullopt},
                  {"end before start", 0.4, 0.16, 0, std::nullopt},
                  {"NaN start", kNaN, 0.4, 0, std::nullopt},
                  {"infinite end", 0.0, kInf, 0, std::nullopt},
                  {"negative infinite start", -kInf, 0.4, 0, std::nullopt},
                  {"speaker index = S", 0.0, 0.4, 2, std::nullopt},
                  {"speaker index far beyond S", 0.0, 0.4, std::numeric_limits<size_t>::max(),
                   std::nullopt},
                  {"times whose frame numbers overflow", 1e308, 1.5e308, 0, std::nullopt},
              });
}

TEST(DiarizationConfidence, TensorsThatCannotBeTrustedScoreNothing) {
  const std::vector<std::pair<const char*, SegmentScorer>> unusable = {
      {"empty tensor", SegmentScorer(ScoreMatrix::FromRows({}), 0.8)},
      {"frames without speakers", SegmentScorer(ScoreMatrix::FromRows({{}, {}}), 0.8)},
      {"ragged tensor", SegmentScorer(ScoreMatrix::FromRows({{0.5, 0.5}, {0.5}}), 0.8)},
      {"a score above 1", SegmentScorer(ScoreMatrix::FromRows({{0.5}, {1.5}}), 0.8)},
      {"a score below 0", SegmentScorer(ScoreMatrix::FromRows({{-0.1}, {0.5}}), 0.8)},
      {"an infinite score", SegmentScorer(ScoreMatrix::FromRows({{kInf}, {0.5}}), 0.8)},
      {"zero duration", SegmentScorer(Ramps(), 0.0)},
      {"negative duration", SegmentScorer(Ramps(), -0.8)},
      {"NaN duration", SegmentScorer(Ramps(), kNaN)},
      {"infinite duration", SegmentScorer(Ramps(), kInf)},
      {"a duration so small the frame rate overflows", SegmentScorer(Ramps(), 1e-320)},
      {"sizes that disagree", SegmentScorer(ScoreMatrix{3, 2, {0.5, 0.5}}, 0.8)},
      {"sizes whose product overflows",
       SegmentScorer(ScoreMatrix{size_t{1} << 63, 2, {0.5, 0.5}}, 0.8)},
  };
  for (const auto& [what, scorer] : unusable) {
    EXPECT_FALSE(scorer.usable()) << what;
    EXPECT_FALSE(scorer.Confidence(0.0, 0.4, 0).has_value()) << what;
  }
}

TEST(DiarizationSpeakers, NamesMapToIndices) {
  EXPECT_EQ(SpeakerIndex("speaker_0"), 0u);
  EXPECT_EQ(SpeakerIndex("speaker_3"), 3u);
  EXPECT_EQ(SpeakerIndex("speaker_12"), 12u);
  EXPECT_EQ(SpeakerIndex("speaker_007"), 7u);
  for (const char* name : {"speaker_", "speaker_-1", "speaker_+1", "speaker_1a", "Speaker_0",
                           "speaker 0", "spk_0", "", "speaker_1234567890"}) {
    EXPECT_FALSE(SpeakerIndex(name).has_value()) << name;
  }
}

TEST(DiarizationSpeakers, LabelsMarkUncertainSegments) {
  EXPECT_EQ(SpeakerLabel("speaker_0", 0.91, 0.5), "Speaker_0");
  EXPECT_EQ(SpeakerLabel("speaker_0", 0.49, 0.5), "Speaker_0?");
  EXPECT_EQ(SpeakerLabel("speaker_0", 0.5, 0.5), "Speaker_0");  // below, not at, the threshold
  EXPECT_EQ(SpeakerLabel("speaker_2", std::nullopt, 0.5), "Speaker_2");
  EXPECT_EQ(SpeakerLabel("speaker_1", 0.7, 0.8), "Speaker_1?");
  EXPECT_EQ(SpeakerLabel("alice", 0.2, 0.5), "alice?");
  EXPECT_EQ(SpeakerLabel("alice", std::nullopt, 0.5), "alice");
}

DiarizationSegment Segment(double start, double end, std::string speaker,
                           std::optional<double> confidence = std::nullopt) {
  return {start, end, std::move(speaker), confidence};
}

TEST(DiarizationSegments, ReportedConfidencesAreTakenAsSent) {
  DiarizationRequest request;
  request.segments = {Segment(0.0, 1.2, "speaker_0", 0.91), Segment(1.2, 2.0, "speaker_1", 0.3),
                      Segment(2.0, 2.5, "speaker_0"), Segment(3.0, 2.5, "speaker_1", 0.9),
                      Segment(3.0, 4.0, "alice", 0.1)};
  const DiarizationResult result = ScoreSegments(request, 0.5);
  ASSERT_EQ(result.segments.size(), 5u);
  EXPECT_EQ(result.segments[0].confidence, 0.91);
  EXPECT_EQ(result.segments[0].label, "Speaker_0");
  EXPECT_EQ(result.segments[1].label, "Speaker_1?");
  EXPECT_TRUE(result.segments[1].uncertain);
  EXPECT_EQ(result.segments[2].confidence, std::nullopt);
  EXPECT_EQ(result.segments[2].label, "Speaker_0");
  EXPECT_EQ(result.segments[3].confidence, std::nullopt) << "end before start";
  EXPECT_EQ(result.segments[4].label, "alice?");
  EXPECT_EQ(result.uncertain, 2u);
}

TEST(DiarizationSegments, ProbsWinOverReportedConfidences) {
  DiarizationRequest request;
  request.probs = Ramps();
  request.duration_s = 0.8;
  request.segments = {Segment(0.0, 0.24, "speaker_0", 0.1), Segment(0.0, 0.24, "speaker_1", 0.99),
                      Segment(0.0, 0.24, "speaker_2", 0.99), Segment(0.0, 0.24, "bob", 0.99)};
  const DiarizationResult result = ScoreSegments(request, 0.5);
  ASSERT_EQ(result.segments.size(), 4u);
  EXPECT_NEAR(*result.segments[0].confidence, 0.8, 1e-12);
  EXPECT_EQ(result.segments[0].label, "Speaker_0");
  EXPECT_NEAR(*result.segments[1].confidence, 0.15, 1e-12);
  EXPECT_EQ(result.segments[1].label, "Speaker_1?");
  EXPECT_EQ(result.segments[2].confidence, std::nullopt) << "speaker 2 of 2";
  EXPECT_EQ(result.segments[3].confidence, std::nullopt) << "a name without an index";
  EXPECT_EQ(result.uncertain, 1u);
}

TEST(DiarizationSegments, AnUnusableTensorNullsEverySegment) {
  DiarizationRequest request;
  request.probs = ScoreMatrix::FromRows({{0.5, 0.5}, {0.5}});  // ragged
  request.duration_s = 0.16;
  request.segments = {Segment(0.0, 0.16, "speaker_0", 0.9)};
  const DiarizationResult result = ScoreSegments(request, 0.5);
  EXPECT_EQ(result.segments[0].confidence, std::nullopt);
  EXPECT_EQ(result.segments[0].label, "Speaker_0");
  EXPECT_EQ(result.uncertain, 0u);
}

}  // namespace
}  // namespace spark
