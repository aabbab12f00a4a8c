// Counters behind the spark_control_diarization_* families: per-source series, bounded sources,
// safe to record from many request threads at once.
#include "exporter/diarization_stats.h"

#include <gtest/gtest.h>

#include <thread>

namespace spark {
namespace {

DiarizationResult Verdicts(std::vector<std::optional<double>> confidences, double threshold) {
  DiarizationResult result;
  for (const auto& c : confidences) {
    const bool uncertain = c && *c < threshold;
    result.segments.push_back({c, "Speaker_0", uncertain});
    result.uncertain += uncertain ? 1 : 0;
  }
  return result;
}

TEST(DiarizationStats, CountsSegmentsPerSource) {
  DiarizationStats stats;
  const uint64_t before = stats.version();
  stats.Record("recap-relay", Verdicts({0.95, 0.3, std::nullopt, 0.5}, 0.5));
  stats.Record("", Verdicts({0.05}, 0.5));
  EXPECT_NE(stats.version(), before);
  const DiarizationStats::View view = stats.Get();
  ASSERT_EQ(view.sources.size(), 2u);
  const auto& relay = view.sources.at("recap-relay");
  EXPECT_EQ(relay.known, 3u);
  EXPECT_EQ(relay.unknown, 1u);
  EXPECT_EQ(relay.uncertain, 1u);
  EXPECT_EQ(relay.confidence.count(), 3u);
  EXPECT_DOUBLE_EQ(relay.confidence.sum(), 0.95 + 0.3 + 0.5);
  // Buckets 0.1 … 1.0 (+Inf): 0.3 in le=0.3, 0.5 in le=0.5, 0.95 in le=1.0.
  EXPECT_EQ(relay.confidence.counts()[2], 1u);
  EXPECT_EQ(relay.confidence.counts()[4], 1u);
  EXPECT_EQ(relay.confidence.counts()[9], 1u);
  EXPECT_EQ(view.sources.at("unknown").uncertain, 1u);
}

TEST(DiarizationStats, SourcesAreBoundedAndRecordedConcurrently) {
  DiarizationStats stats(12);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&stats, t] {
      for (int i = 0; i < 50; ++i) {
        stats.Record("client-" + std::to_string(t * 50 + i) + "-with-a-long-name",
                     Verdicts({0.9, std::nullopt}, 0.5));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const DiarizationStats::View view = stats.Get();
  EXPECT_EQ(view.sources.size(), 25u);  // 24 names + "other" (8 slots wait for a token)
  uint64_t known = 0;
  for (const auto& [source, series] : view.sources) {
    EXPECT_LE(source.size(), 12u) << source;
    known += series.known;
  }
  EXPECT_EQ(known, 200u);
  EXPECT_EQ(view.sources.at("other").known, 200u - 24u);
}

}  // namespace
}  // namespace spark
