#include "controller/download_meter.h"

#include <algorithm>

namespace spark {
namespace {

// A rate needs samples at least this far apart: two samples a few microseconds apart would
// turn any byte count into an absurd rate.
constexpr Duration kMinRateSpan = std::chrono::milliseconds(500);
// Bounds the window's memory when samples come far more often than once a second: a sample
// closer than window / kSamplesPerWindow to the one before the newest replaces the newest.
constexpr int kSamplesPerWindow = 64;

}  // namespace

DownloadMeter::DownloadMeter(std::optional<uint64_t> total, Duration window, Duration stall_after)
    : total_(total), window_(window), stall_after_(stall_after) {}

void DownloadMeter::Observe(SteadyTime now, uint64_t bytes_on_disk) {
  if (samples_.empty()) {
    last_increase_ = now;
    samples_.emplace_back(now, bytes_on_disk);
    return;
  }
  const auto [last_time, last_bytes] = samples_.back();
  if (now <= last_time || bytes_on_disk < last_bytes) {
    // A clock jump or bytes gone: the old samples say nothing about the rate from here on.
    samples_.clear();
    if (now < *last_increase_) last_increase_ = now;
  }
  if (bytes_on_disk > last_bytes) last_increase_ = now;
  const size_t n = samples_.size();
  if (n >= 2 && now - samples_[n - 2].first < window_ / kSamplesPerWindow) {
    samples_.back() = {now, bytes_on_disk};  // samples far closer than needed: keep the newest
  } else {
    samples_.emplace_back(now, bytes_on_disk);
  }
  while (samples_.size() >= 2 && samples_[1].first <= now - window_) samples_.pop_front();
}

double DownloadMeter::Rate(SteadyTime now) const {
  // Without a recent sample (the link to the Spark is down) there is no rate to claim.
  if (samples_.size() < 2 || now - samples_.back().first > window_) return 0;
  const auto& [first_time, first_bytes] = samples_.front();
  const auto& [last_time, last_bytes] = samples_.back();
  const Duration span = last_time - first_time;
  if (span < kMinRateSpan || last_bytes <= first_bytes) return 0;
  return static_cast<double>(last_bytes - first_bytes) / Seconds(span);
}

MeterReading DownloadMeter::Reading(SteadyTime now) const {
  MeterReading reading;
  reading.bytes_total = total_;
  if (samples_.empty()) return reading;
  reading.bytes_done = samples_.back().second;
  const bool has_total = total_ && *total_ > 0;
  const bool all_there = has_total && reading.bytes_done >= *total_;
  if (has_total) {
    reading.percent = std::min(
        100.0, 100.0 * static_cast<double>(reading.bytes_done) / static_cast<double>(*total_));
  }
  reading.rate_bps = Rate(now);
  if (has_total && reading.rate_bps > 0) {
    reading.eta_s =
        all_there ? 0.0 : static_cast<double>(*total_ - reading.bytes_done) / reading.rate_bps;
  }
  const Duration quiet = std::max(Duration::zero(), now - *last_increase_);
  if (!all_there && quiet >= stall_after_) {
    reading.stalled = true;
    reading.stalled_s = Seconds(quiet);
  }
  return reading;
}

}  // namespace spark
