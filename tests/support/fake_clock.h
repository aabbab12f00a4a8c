#pragma once
// A Clock that moves only when a test calls Advance(): code under test that waits on it
// (Clock::WaitUntil) or polls with it (Clock::OnAdvance) wakes at once, so tests assert on
// timeouts, intervals and backoff without sleeping. Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "exporter/clock.h"

namespace spark::test {

class FakeClock final : public Clock {
 public:
  // Starts at an arbitrary steady time and at `wall` (2026-11-30 00:00:00 UTC by default).
  explicit FakeClock(WallTime wall = WallTime(std::chrono::seconds(1795996800)));
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  SteadyTime Now() const override;
  WallTime WallNow() const override;
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                 SteadyTime deadline, const std::function<bool()>& done) const override;
  std::unique_ptr<ClockWatch> OnAdvance(std::function<void()> wake) const override;

  // Moves both clocks forward by `d` (> 0), then wakes every waiter and calls every watcher.
  void Advance(Duration d);
  // Blocks (in real time, at most `limit`) until at least `n` threads wait in WaitUntil having
  // seen the current time (after an Advance: gone back to sleep), so a test advances only once
  // the code under test sleeps. False if that did not happen in time.
  bool AwaitWaiters(size_t n, Duration limit = std::chrono::seconds(10)) const;

 private:
  class Watch;

  mutable std::mutex mu_;  // guards elapsed_, waiting_
  mutable std::condition_variable waiters_changed_;
  Duration elapsed_{};
  const WallTime wall_start_;
  // One entry per waiter: its condition variable and the time it saw before sleeping.
  mutable std::multimap<std::condition_variable_any*, Duration> waiting_;

  mutable std::mutex watch_mu_;  // guards watchers_; held while they are called
  mutable std::map<uint64_t, std::function<void()>> watchers_;
  mutable uint64_t next_watch_ = 0;
};

}  // namespace spark::test
