#pragma once
// A version counter that waiters can block on: the owner of some state calls Bump()
// after publishing a change; streams (SSE) wait for a version newer than the one they
// have sent. Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "exporter/clock.h"

namespace spark {

class ChangeFeed {
 public:
  // Publishes a new version and wakes every waiter (and those of the forwarded feed).
  void Bump() {
    {
      std::lock_guard lock(mu_);
      ++version_;
    }
    cv_.notify_all();
    if (downstream_ != nullptr) downstream_->Bump();
  }
  // Makes every Bump also bump `downstream` (one place to wait for several owners'
  // changes). Set once, while wiring, before any thread runs.
  void Forward(ChangeFeed* downstream) { downstream_ = downstream; }
  // Wakes every waiter without a new version (used at shutdown).
  void WakeAll() { cv_.notify_all(); }

  uint64_t version() const {
    std::lock_guard lock(mu_);
    return version_;
  }

  // Blocks until version() > seen, `clock` reaches `deadline`, or `stop()` is true after a
  // WakeAll. Returns the current version.
  template <typename StopFn>
  uint64_t WaitNewer(uint64_t seen, const Clock& clock, SteadyTime deadline, StopFn stop) {
    std::unique_lock lock(mu_);
    clock.WaitUntil(lock, cv_, deadline, [&] { return version_ > seen || stop(); });
    return version_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  uint64_t version_ = 0;
  ChangeFeed* downstream_ = nullptr;
};

}  // namespace spark
