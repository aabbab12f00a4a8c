// Progress math of a download over recorded sizes (issue 14, "Progress math"): files
// appearing, shrinking (a renamed .incomplete), vanishing and clock jumps never give a
// negative or absurd rate, and the ETA is null while the rate is 0.
#include "controller/download_meter.h"

#include <gtest/gtest.h>

#include <vector>

namespace spark {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr uint64_t kMB = 1000 * 1000;

struct MeterRun {
  DownloadMeter meter;
  SteadyTime now = SteadyTime(seconds(1000));

  explicit MeterRun(std::optional<uint64_t> total) : meter(total) {}
  // One sample a second, one per size in `sizes`.
  MeterReading Feed(const std::vector<uint64_t>& sizes) {
    for (uint64_t size : sizes) {
      now += seconds(1);
      meter.Observe(now, size);
    }
    return meter.Reading(now);
  }
};

TEST(DownloadMeter, ASteadyDownloadHasItsRatePercentAndEta) {
  MeterRun run(1000 * kMB);
  std::vector<uint64_t> sizes;
  for (uint64_t s = 0; s <= 10; ++s) sizes.push_back(s * 10 * kMB);
  const MeterReading r = run.Feed(sizes);
  EXPECT_EQ(r.bytes_done, 100 * kMB);
  EXPECT_EQ(r.bytes_total, 1000 * kMB);
  EXPECT_DOUBLE_EQ(*r.percent, 10.0);
  EXPECT_DOUBLE_EQ(r.rate_bps, 10.0 * kMB);
  EXPECT_DOUBLE_EQ(*r.eta_s, 90.0);
  EXPECT_FALSE(r.stalled);
  EXPECT_EQ(r.stalled_s, std::nullopt);
}

TEST(DownloadMeter, TheRateIsSmoothedOverTheWindow) {
  MeterRun run(std::nullopt);
  run.Feed({0, 10 * kMB, 20 * kMB, 30 * kMB, 40 * kMB, 50 * kMB});
  // A burst of 50 MB in one second moves the 5 s average, not to 50 MB/s.
  const MeterReading r = run.Feed({100 * kMB});
  EXPECT_DOUBLE_EQ(r.rate_bps, 90.0 * kMB / 5);
  EXPECT_EQ(r.percent, std::nullopt);
  EXPECT_EQ(r.eta_s, std::nullopt);  // no total, no ETA
  // Once the burst has left the window the rate is the steady one again.
  EXPECT_DOUBLE_EQ(run.Feed({110 * kMB, 120 * kMB, 130 * kMB, 140 * kMB, 150 * kMB}).rate_bps,
                   10.0 * kMB);
}

TEST(DownloadMeter, BeforeAnySampleNothingIsKnown) {
  const DownloadMeter meter(500);
  const MeterReading r = meter.Reading(SteadyTime(seconds(5)));
  EXPECT_EQ(r.bytes_done, 0u);
  EXPECT_EQ(r.bytes_total, 500u);
  EXPECT_DOUBLE_EQ(*r.percent, 0.0);
  EXPECT_EQ(r.rate_bps, 0);
  EXPECT_EQ(r.eta_s, std::nullopt);
  EXPECT_FALSE(r.stalled);
}

TEST(DownloadMeter, OneSampleOrSamplesMicrosecondsApartGiveNoRate) {
  DownloadMeter meter(100 * kMB);
  const SteadyTime t0(seconds(10));
  meter.Observe(t0, 0);
  EXPECT_EQ(meter.Reading(t0).rate_bps, 0);
  meter.Observe(t0 + std::chrono::microseconds(3), 50 * kMB);  // a file appearing at once
  const MeterReading r = meter.Reading(t0 + std::chrono::microseconds(3));
  EXPECT_EQ(r.rate_bps, 0);
  EXPECT_EQ(r.eta_s, std::nullopt);
  EXPECT_DOUBLE_EQ(*r.percent, 50.0);
}

TEST(DownloadMeter, AFileAppearingAddsItsBytesButTheRateStaysFinite) {
  MeterRun run(100000 * kMB);
  run.Feed({0, 10 * kMB, 20 * kMB});
  const MeterReading r = run.Feed({5020 * kMB});  // a 5 GB file copied in
  EXPECT_EQ(r.bytes_done, 5020 * kMB);
  EXPECT_GT(r.rate_bps, 0);
  EXPECT_LE(r.rate_bps, 5020.0 * kMB / 3);
}

TEST(DownloadMeter, ShrinkingOrVanishingBytesNeverGiveANegativeRate) {
  MeterRun run(1000 * kMB);
  run.Feed({0, 100 * kMB, 200 * kMB, 300 * kMB});
  // A renamed .incomplete counted twice for a moment, then once: bytes drop.
  MeterReading r = run.Feed({250 * kMB});
  EXPECT_EQ(r.bytes_done, 250 * kMB);
  EXPECT_GE(r.rate_bps, 0);
  EXPECT_EQ(r.rate_bps, 0);  // the drop restarts the rate from this sample
  EXPECT_EQ(r.eta_s, std::nullopt);
  r = run.Feed({260 * kMB, 270 * kMB});
  EXPECT_DOUBLE_EQ(r.rate_bps, 10.0 * kMB);
  // The directory vanishes (deleted from under the download), then it starts again.
  r = run.Feed({0});
  EXPECT_EQ(r.bytes_done, 0u);
  EXPECT_EQ(r.rate_bps, 0);
  EXPECT_DOUBLE_EQ(*r.percent, 0.0);
  r = run.Feed({5 * kMB, 10 * kMB});
  EXPECT_DOUBLE_EQ(r.rate_bps, 5.0 * kMB);
}

TEST(DownloadMeter, ClockJumpsNeverGiveANegativeOrAbsurdRate) {
  DownloadMeter meter(1000 * kMB);
  SteadyTime t(seconds(100));
  for (uint64_t i = 0; i < 4; ++i) meter.Observe(t += seconds(1), i * kMB);
  // Back by an hour: the old samples do not count against the new ones.
  t -= std::chrono::hours(1);
  meter.Observe(t, 4 * kMB);
  MeterReading r = meter.Reading(t);
  EXPECT_EQ(r.rate_bps, 0);
  EXPECT_FALSE(r.stalled);
  meter.Observe(t += seconds(1), 5 * kMB);
  EXPECT_DOUBLE_EQ(meter.Reading(t).rate_bps, 1.0 * kMB);
  // The same instant twice.
  meter.Observe(t, 9 * kMB);
  r = meter.Reading(t);
  EXPECT_EQ(r.bytes_done, 9 * kMB);
  EXPECT_EQ(r.rate_bps, 0);
  // Forward by an hour: a slow average, not a spike.
  meter.Observe(t += std::chrono::hours(1), 10 * kMB);
  r = meter.Reading(t);
  EXPECT_GE(r.rate_bps, 0);
  EXPECT_LE(r.rate_bps, 1.0 * kMB / 3600);
}

TEST(DownloadMeter, NoNewByteForAMinuteIsStalledUntilTheNextByte) {
  MeterRun run(1000 * kMB);
  run.Feed({0, 10 * kMB, 20 * kMB});
  MeterReading r = run.Feed(std::vector<uint64_t>(59, 20 * kMB));
  EXPECT_FALSE(r.stalled);
  EXPECT_EQ(r.rate_bps, 0);          // the window holds no new byte
  EXPECT_EQ(r.eta_s, std::nullopt);  // so no ETA
  r = run.Feed({20 * kMB});
  EXPECT_TRUE(r.stalled);
  EXPECT_DOUBLE_EQ(*r.stalled_s, 60.0);
  r = run.Feed(std::vector<uint64_t>(30, 20 * kMB));
  EXPECT_DOUBLE_EQ(*r.stalled_s, 90.0);
  r = run.Feed({21 * kMB});
  EXPECT_FALSE(r.stalled);
  EXPECT_EQ(r.stalled_s, std::nullopt);
}

TEST(DownloadMeter, ADownloadThatNeverStartsIsStalledFromItsFirstSample) {
  DownloadMeter meter(1000, seconds(5), seconds(10));
  const SteadyTime t0(seconds(50));
  meter.Observe(t0, 0);
  EXPECT_FALSE(meter.Reading(t0 + seconds(9)).stalled);
  const MeterReading r = meter.Reading(t0 + milliseconds(10500));
  EXPECT_TRUE(r.stalled);
  EXPECT_DOUBLE_EQ(*r.stalled_s, 10.5);
}

TEST(DownloadMeter, NoSampleForLongerThanTheWindowMeansNoRate) {
  MeterRun run(1000 * kMB);
  run.Feed({0, 10 * kMB, 20 * kMB});
  EXPECT_GT(run.meter.Reading(run.now + seconds(5)).rate_bps, 0);
  EXPECT_EQ(run.meter.Reading(run.now + seconds(6)).rate_bps, 0);
}

TEST(DownloadMeter, PercentIsCappedAndAZeroTotalHasNone) {
  MeterRun over(100);
  MeterReading r = over.Feed({50, 150, 250});
  EXPECT_DOUBLE_EQ(*r.percent, 100.0);
  EXPECT_DOUBLE_EQ(*r.eta_s, 0.0);
  r = over.Feed(std::vector<uint64_t>(120, 250));
  EXPECT_FALSE(r.stalled);  // every byte is there: finishing, not stalled
  MeterRun zero(0);
  r = zero.Feed({0, 10, 20});
  EXPECT_EQ(r.percent, std::nullopt);
  EXPECT_EQ(r.eta_s, std::nullopt);
  EXPECT_DOUBLE_EQ(r.rate_bps, 10.0);
}

TEST(DownloadMeter, ManySamplesASecondKeepItsMemoryBounded) {
  DownloadMeter meter(std::nullopt);
  SteadyTime t(seconds(1));
  for (uint64_t i = 0; i < 100000; ++i) meter.Observe(t += std::chrono::microseconds(100), i);
  const MeterReading r = meter.Reading(t);
  EXPECT_EQ(r.bytes_done, 99999u);
  EXPECT_NEAR(r.rate_bps, 10000.0, 1.0);  // one byte every 100 µs, over what the window kept
}

}  // namespace
}  // namespace spark
