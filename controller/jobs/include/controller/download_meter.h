#pragma once
// A download's progress from the bytes measured on disk about once a second (issue 14:
// "Progress measured on disk"): percent against the Hub's total, a rate smoothed over a
// window, the time left, and whether it has stalled. Pure arithmetic on the samples it is
// given; not thread-safe (one owner: the job that measures).

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "exporter/clock.h"

namespace spark {

struct MeterReading {
  uint64_t bytes_done = 0;
  std::optional<uint64_t> bytes_total;
  std::optional<double> percent;  // 0–100; nullopt without a total (or a total of 0)
  double rate_bps = 0;            // never negative
  std::optional<double> eta_s;    // nullopt while the rate is 0 or without a total
  bool stalled = false;
  std::optional<double> stalled_s;  // seconds since the last new byte, when stalled
};

class DownloadMeter {
 public:
  explicit DownloadMeter(std::optional<uint64_t> total, Duration window = std::chrono::seconds(5),
                         Duration stall_after = std::chrono::seconds(60));

  // One measurement (at least once a second). Bytes that drop (a renamed or deleted
  // `.incomplete`, a directory gone) and a time at or before the previous sample's (a clock
  // jump) restart the rate from this sample, so the rate is never negative nor absurd.
  void Observe(SteadyTime now, uint64_t bytes_on_disk);
  // The progress as of `now` (before any Observe: 0 bytes, rate 0, not stalled); the rate is
  // 0 when the newest sample is older than the window. Stalled
  // means no new byte for stall_after since the last one (or since the first sample); a
  // download that has all its bytes is never stalled.
  MeterReading Reading(SteadyTime now) const;

 private:
  double Rate(SteadyTime now) const;

  const std::optional<uint64_t> total_;
  const Duration window_;
  const Duration stall_after_;
  // The samples of the window, oldest first, times strictly increasing and bytes never
  // decreasing; the first is the newest one at or before the window's start.
  std::deque<std::pair<SteadyTime, uint64_t>> samples_;
  std::optional<SteadyTime> last_increase_;
};

}  // namespace spark
