#include "support/fake_clock.h"

#include <algorithm>

namespace spark::test {
namespace {

// The steady epoch of every FakeClock: far from zero, so `SteadyTime{}` reads as long ago.
constexpr SteadyTime kSteadyStart{std::chrono::hours(1000)};

// Locks the caller's mutex, then the clock's; unlocks in reverse. A waiter holds both from
// its last look at the time until condition_variable_any has queued it, so neither an
// Advance nor the caller's own notify can slip in between (no lost wake-up).
class BothLocks {
 public:
  BothLocks(std::unique_lock<std::mutex>& outer, std::unique_lock<std::mutex>& inner)
      : outer_(outer), inner_(inner) {}
  void lock() {
    outer_.lock();
    inner_.lock();
  }
  void unlock() {
    inner_.unlock();
    outer_.unlock();
  }

 private:
  std::unique_lock<std::mutex>& outer_;
  std::unique_lock<std::mutex>& inner_;
};

}  // namespace

class FakeClock::Watch final : public ClockWatch {
 public:
  Watch(const FakeClock& clock, uint64_t id) : clock_(clock), id_(id) {}
  ~Watch() override {
    std::lock_guard lock(clock_.watch_mu_);
    clock_.watchers_.erase(id_);
  }

 private:
  const FakeClock& clock_;
  const uint64_t id_;
};

FakeClock::FakeClock(WallTime wall) : wall_start_(wall) {}

SteadyTime FakeClock::Now() const {
  std::lock_guard lock(mu_);
  return kSteadyStart + elapsed_;
}

WallTime FakeClock::WallNow() const {
  std::lock_guard lock(mu_);
  return wall_start_ + std::chrono::duration_cast<WallTime::duration>(elapsed_);
}

bool FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                          SteadyTime deadline, const std::function<bool()>& done) const {
  while (true) {
    if (done()) return true;  // only the caller's lock is held: `done` may read the clock
    std::unique_lock clock_lock(mu_);
    if (kSteadyStart + elapsed_ >= deadline) return false;
    const auto entry = waiting_.emplace(&cv, elapsed_);
    waiters_changed_.notify_all();
    BothLocks both(lock, clock_lock);
    cv.wait(both);
    waiting_.erase(entry);
    waiters_changed_.notify_all();
  }
}

std::unique_ptr<ClockWatch> FakeClock::OnAdvance(std::function<void()> wake) const {
  std::lock_guard lock(watch_mu_);
  const uint64_t id = next_watch_++;
  watchers_.emplace(id, std::move(wake));
  return std::make_unique<Watch>(*this, id);
}

void FakeClock::Advance(Duration d) {
  {
    std::lock_guard lock(mu_);
    elapsed_ += d;
    waiters_changed_.notify_all();
    // Under mu_: a waiter leaves waiting_ (and may free its cv) only while holding it.
    for (auto& waiter : waiting_) waiter.first->notify_all();
  }
  std::lock_guard lock(watch_mu_);
  for (auto& [id, wake] : watchers_) wake();
}

bool FakeClock::AwaitWaiters(size_t n, Duration limit) const {
  std::unique_lock lock(mu_);
  return waiters_changed_.wait_for(lock, limit, [&] {
    return static_cast<size_t>(std::count_if(waiting_.begin(), waiting_.end(), [&](const auto& w) {
             return w.second == elapsed_;
           })) >= n;
  });
}

}  // namespace spark::test
