// Properties of segment confidence over random inputs (fixed seed, bounded count): always in
// [0, 1] or null, equal to the plain mean of its definition, and permuting the speaker
// columns permutes the results.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "exporter/diarization.h"
#include "support/values.h"

namespace spark {
namespace {

using test::kNaN;

struct RandomCase {
  ScoreMatrix probs;
  double duration_s = 0;
  std::vector<DiarizationSegment> segments;
};

RandomCase MakeCase(std::mt19937& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  RandomCase c;
  c.probs.frames = 1 + pick(300);
  c.probs.speakers = 1 + pick(6);
  for (size_t i = 0; i < c.probs.frames * c.probs.speakers; ++i) {
    const double roll = unit(rng);
    c.probs.scores.push_back(roll < 0.05 ? kNaN : roll < 0.08 ? std::round(unit(rng)) : unit(rng));
  }
  if (unit(rng) < 0.05) c.probs.scores[pick(static_cast<int>(c.probs.scores.size()))] = 1.0001;
  const double odd_durations[] = {0, -1, kNaN, std::numeric_limits<double>::infinity(), 1e-320};
  c.duration_s = unit(rng) < 0.9 ? 0.1 + unit(rng) * 30 : odd_durations[pick(5)];
  const double span = std::isfinite(c.duration_s) && c.duration_s > 0 ? c.duration_s : 10;
  for (int i = 0; i < 40; ++i) {
    DiarizationSegment segment;
    segment.start = -2 + unit(rng) * (span + 4);
    segment.end = segment.start + unit(rng) * 5.5 - 0.5;
    if (unit(rng) < 0.03) segment.end = kNaN;
    segment.speaker = "speaker_" + std::to_string(pick(static_cast<int>(c.probs.speakers) + 2));
    c.segments.push_back(std::move(segment));
  }
  return c;
}

// The definition, computed the slow way.
std::optional<double> PlainMean(const RandomCase& c, const DiarizationSegment& s, size_t speaker) {
  const size_t t = c.probs.frames;
  const double fps = static_cast<double>(t) / c.duration_s;
  double sum = 0;
  size_t n = 0;
  for (size_t f = 0; f < t; ++f) {
    const bool covered = static_cast<double>(f) >= std::floor(s.start * fps + 1e-6) &&
                         static_cast<double>(f) < std::ceil(s.end * fps - 1e-6);
    const double score = c.probs.scores[f * c.probs.speakers + speaker];
    if (covered && !std::isnan(score)) {
      sum += score;
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

ScoreMatrix PermuteSpeakers(const ScoreMatrix& m, const std::vector<size_t>& to) {
  ScoreMatrix out = m;
  for (size_t f = 0; f < m.frames; ++f) {
    for (size_t k = 0; k < m.speakers; ++k) {
      out.scores[f * m.speakers + to[k]] = m.scores[f * m.speakers + k];
    }
  }
  return out;
}

TEST(DiarizationProperty, ConfidenceIsInRangeOrNullAndEqualsItsDefinition) {
  std::mt19937 rng(20261124);
  size_t known = 0, unknown = 0;
  for (int round = 0; round < 300; ++round) {
    const RandomCase c = MakeCase(rng);
    const SegmentScorer scorer(c.probs, c.duration_s);
    for (const DiarizationSegment& s : c.segments) {
      const size_t speaker = *SpeakerIndex(s.speaker);
      const auto got = scorer.Confidence(s.start, s.end, speaker);
      if (!got) {
        ++unknown;
        continue;
      }
      ++known;
      ASSERT_GE(*got, 0.0);
      ASSERT_LE(*got, 1.0);
      const auto want = PlainMean(c, s, speaker);
      ASSERT_TRUE(want.has_value()) << "round " << round;
      EXPECT_NEAR(*got, *want, 1e-9) << "round " << round;
    }
  }
  // Both outcomes were exercised.
  EXPECT_GT(known, 3000u);
  EXPECT_GT(unknown, 500u);
}

TEST(DiarizationProperty, PermutingSpeakerColumnsPermutesTheResults) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    RandomCase c = MakeCase(rng);
    std::vector<size_t> to(c.probs.speakers);
    std::iota(to.begin(), to.end(), size_t{0});
    std::shuffle(to.begin(), to.end(), rng);
    DiarizationRequest original{"", c.segments, c.probs, c.duration_s};
    DiarizationRequest permuted{"", c.segments, PermuteSpeakers(c.probs, to), c.duration_s};
    for (DiarizationSegment& s : permuted.segments) {
      const size_t k = *SpeakerIndex(s.speaker);
      if (k < to.size()) s.speaker = "speaker_" + std::to_string(to[k]);
    }
    const DiarizationResult a = ScoreSegments(original, 0.5);
    const DiarizationResult b = ScoreSegments(permuted, 0.5);
    ASSERT_EQ(a.segments.size(), b.segments.size());
    for (size_t i = 0; i < a.segments.size(); ++i) {
      EXPECT_EQ(a.segments[i].confidence, b.segments[i].confidence) << "round " << round;
      EXPECT_EQ(a.segments[i].uncertain, b.segments[i].uncertain);
    }
    EXPECT_EQ(a.uncertain, b.uncertain);
  }
}

}  // namespace
}  // namespace spark
