// The version counter SSE streams wait on: no bump is lost to a waiter however the bumps and
// waits interleave, forwarded feeds add up, and a waiter with nothing new wakes at its
// deadline on the clock it was given (the streams' ping timing).
#include "exporter/change_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "support/fake_clock.h"

namespace spark {
namespace {

using std::chrono::seconds;

TEST(ChangeFeedConcurrency, EveryWaiterSeesTheLastOfManyBumpsAndOnlyNewerVersions) {
  constexpr uint64_t kBumpers = 4;
  constexpr uint64_t kBumps = 500;
  test::FakeClock clock;  // never advanced: only bumps may wake a waiter
  ChangeFeed feed;
  std::atomic<bool> give_up{false};
  std::vector<std::future<bool>> waiters;
  for (int w = 0; w < 4; ++w) {
    waiters.push_back(std::async(std::launch::async, [&] {
      uint64_t seen = 0;
      bool increasing = true;
      while (seen < kBumpers * kBumps && !give_up) {
        const uint64_t next =
            feed.WaitNewer(seen, clock, SteadyTime::max(), [&] { return give_up.load(); });
        increasing = increasing && (next > seen || give_up);
        seen = next;
      }
      return increasing && seen == kBumpers * kBumps;
    }));
  }
  std::vector<std::thread> bumpers;
  for (uint64_t b = 0; b < kBumpers; ++b) {
    bumpers.emplace_back([&] {
      for (uint64_t i = 0; i < kBumps; ++i) feed.Bump();
    });
  }
  for (auto& b : bumpers) b.join();
  EXPECT_EQ(feed.version(), kBumpers * kBumps);
  for (auto& w : waiters) {
    if (w.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "a waiter missed the last bump";
      give_up = true;
      feed.WakeAll();
    }
  }
  for (auto& w : waiters) EXPECT_TRUE(w.get());
}

TEST(ChangeFeedConcurrency, AForwardingFeedCountsTheBumpsOfAllItsSources) {
  ChangeFeed all;
  ChangeFeed a;
  ChangeFeed b;
  a.Forward(&all);
  b.Forward(&all);
  std::vector<std::thread> bumpers;
  for (ChangeFeed* feed : {&a, &b, &a, &b}) {
    bumpers.emplace_back([feed] {
      for (int i = 0; i < 300; ++i) feed->Bump();
    });
  }
  for (auto& t : bumpers) t.join();
  EXPECT_EQ(a.version(), 600u);
  EXPECT_EQ(b.version(), 600u);
  EXPECT_EQ(all.version(), 1200u);
}

TEST(ChangeFeedConcurrency, AWaiterWithNothingNewWakesAtItsDeadlineOnItsClock) {
  test::FakeClock clock;
  ChangeFeed feed;
  feed.Bump();
  const SteadyTime deadline = clock.Now() + seconds(15);
  auto woke = std::async(std::launch::async,
                         [&] { return feed.WaitNewer(1, clock, deadline, [] { return false; }); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(seconds(14));
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(woke.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  clock.Advance(seconds(1));
  ASSERT_EQ(woke.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(woke.get(), 1u);
}

}  // namespace
}  // namespace spark
