#pragma once
// Waiting in tests on something observable (a reply, a file, a counter) instead of sleeping a
// fixed time: polls `done` every 10 ms for at most `limit` of real time.

#include <chrono>
#include <functional>
#include <thread>

namespace spark::test {

// True as soon as `done()` is; false if it still is not after `limit`.
inline bool Eventually(const std::function<bool()>& done,
                       std::chrono::nanoseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace spark::test
