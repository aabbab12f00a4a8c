#pragma once
// Time as an injected dependency: everything that waits, times out or stamps a record takes a
// Clock, so tests drive a FakeClock (tests/support/fake_clock.h) instead of sleeping.
// Waits that are network I/O (a TCP connect, a libssh2 handshake) stay in real time.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace spark {

using Duration = std::chrono::nanoseconds;
using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// Keeps a Clock::OnAdvance callback registered; destroying it unregisters (and waits for a
// call in progress to return).
class ClockWatch {
 public:
  virtual ~ClockWatch() = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for intervals and deadlines.
  virtual SteadyTime Now() const = 0;
  // Wall-clock time for timestamps shown to users and written to logs.
  virtual WallTime WallNow() const = 0;

  // Blocks on `cv` until `done()` is true or this clock reaches `deadline`; returns done().
  // `lock` holds the mutex guarding what `done` reads, on entry and on return; whoever makes
  // `done` true notifies `cv` after changing it under that mutex. Thread-safe.
  virtual bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                         SteadyTime deadline, const std::function<bool()>& done) const = 0;

  // For loops that wait in poll(2): calls `wake` (on the advancing thread, so it must be quick
  // and must not wait for the clock) whenever this clock jumps forward, so the loop recomputes
  // its timeout. The real clock never jumps and returns null. Thread-safe.
  virtual std::unique_ptr<ClockWatch> OnAdvance(std::function<void()> wake) const = 0;

  // Blocks until this clock reaches `deadline`. Thread-safe.
  void SleepUntil(SteadyTime deadline) const {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    WaitUntil(lock, cv, deadline, [] { return false; });
  }
};

// The real clocks. Thread-safe.
class SystemClock final : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                 SteadyTime deadline, const std::function<bool()>& done) const override {
    return cv.wait_until(lock, deadline, done);
  }
  std::unique_ptr<ClockWatch> OnAdvance(std::function<void()>) const override { return nullptr; }
};

// A duration as (fractional) seconds, and back. Only these two convert seconds.
inline double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
inline Duration FromSeconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}
inline double Millis(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace spark
