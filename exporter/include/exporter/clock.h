#pragma once
// Time as an injected dependency: everything that waits, times out or stamps a
// record takes a Clock, so tests drive a FakeClock instead of sleeping.

#include <chrono>

namespace spark {

using Duration = std::chrono::nanoseconds;
using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for intervals and deadlines.
  virtual SteadyTime Now() const = 0;
  // Wall-clock time for timestamps shown to users and written to logs.
  virtual WallTime WallNow() const = 0;
};

// The real clocks. Thread-safe.
class SystemClock final : public Clock {
 public:
  SteadyTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
};

inline double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
inline double Millis(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
inline Duration FromSeconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

}  // namespace spark
