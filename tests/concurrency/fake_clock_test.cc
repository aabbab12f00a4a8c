// The fake clock the other tests lean on: a waiter wakes exactly when the time it waits for is
// reached (not before, and never missed), under many waiters and several advancing threads.
#include "support/fake_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace spark::test {
namespace {

using std::chrono::seconds;

// Waits on `clock` until `deadline` or until `flag` is set (under `mu`, notifying `cv`).
struct Waiter {
  std::mutex mu;
  std::condition_variable_any cv;
  bool flag = false;
  bool Wait(const Clock& clock, SteadyTime deadline) {
    std::unique_lock lock(mu);
    return clock.WaitUntil(lock, cv, deadline, [&] { return flag; });
  }
  void Set() {
    {
      std::lock_guard lock(mu);
      flag = true;
    }
    cv.notify_all();
  }
};

TEST(FakeClock, AWaiterWakesWhenItsDeadlineIsReachedAndNotBefore) {
  FakeClock clock;
  Waiter waiter;
  const SteadyTime deadline = clock.Now() + seconds(10);
  auto result = std::async(std::launch::async, [&] { return waiter.Wait(clock, deadline); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(seconds(9));
  ASSERT_TRUE(clock.AwaitWaiters(1));  // woke, saw 9 s, sleeps again
  EXPECT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  clock.Advance(seconds(1));
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(result.get());
}

TEST(FakeClock, TheConditionEndsTheWaitWithoutTimePassing) {
  FakeClock clock;
  Waiter waiter;
  const SteadyTime start = clock.Now();
  auto result =
      std::async(std::launch::async, [&] { return waiter.Wait(clock, start + seconds(60)); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  waiter.Set();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(result.get());
  EXPECT_EQ(clock.Now(), start);
}

TEST(FakeClock, WallTimeMovesWithSteadyTime) {
  FakeClock clock(WallTime(seconds(1000)));
  clock.Advance(seconds(5));
  EXPECT_EQ(clock.WallNow(), WallTime(seconds(1005)));
}

// 16 threads wait for deadlines 1..16 s away while two threads advance the clock 1 s at a
// time, 8 s each: every waiter returns, none before its deadline, none with the flag.
TEST(FakeClock, ManyWaitersAndAdvancersLoseNoWakeUp) {
  constexpr int kWaiters = 16;
  FakeClock clock;
  const SteadyTime start = clock.Now();
  std::vector<Waiter> waiters(kWaiters);
  std::atomic<int> early{0};
  std::atomic<int> woken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&, i] {
      const SteadyTime deadline = start + seconds(i + 1);
      const bool flagged = waiters[static_cast<size_t>(i)].Wait(clock, deadline);
      if (flagged || clock.Now() < deadline) ++early;
      ++woken;
    });
  }
  ASSERT_TRUE(clock.AwaitWaiters(kWaiters));
  std::vector<std::thread> advancers;
  for (int a = 0; a < 2; ++a) {
    advancers.emplace_back([&] {
      for (int step = 0; step < kWaiters / 2; ++step) clock.Advance(seconds(1));
    });
  }
  for (auto& t : advancers) t.join();
  for (auto& t : threads) t.join();
  EXPECT_EQ(woken.load(), kWaiters);
  EXPECT_EQ(early.load(), 0);
  EXPECT_EQ(clock.Now(), start + seconds(kWaiters));
}

TEST(FakeClock, WatchersHearEveryAdvanceUntilTheyAreDropped) {
  FakeClock clock;
  std::atomic<int> calls{0};
  auto watch = clock.OnAdvance([&] { ++calls; });
  std::vector<std::thread> advancers;
  for (int a = 0; a < 4; ++a) {
    advancers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) clock.Advance(std::chrono::milliseconds(1));
    });
  }
  for (auto& t : advancers) t.join();
  EXPECT_EQ(calls.load(), 100);
  watch.reset();
  clock.Advance(seconds(1));
  EXPECT_EQ(calls.load(), 100);
}

TEST(SystemClock, WaitUntilEndsOnTheConditionOrTheDeadline) {
  SystemClock clock;
  Waiter waiter;
  EXPECT_FALSE(waiter.Wait(clock, clock.Now() + std::chrono::milliseconds(1)));
  waiter.Set();
  EXPECT_TRUE(waiter.Wait(clock, clock.Now() + seconds(60)));
  EXPECT_TRUE(clock.OnAdvance([] {}) == nullptr);  // time passes on its own
}

}  // namespace
}  // namespace spark::test
