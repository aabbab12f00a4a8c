// The per-client limits of the report and token routes, hit from many request threads at once:
// a client gets exactly its burst plus what the clock refilled, never more, and clients do not
// take from each other.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/fake_clock.h"
#include "web/auth_throttle.h"
#include "web/rate_limiter.h"

namespace spark {
namespace {

using std::chrono::seconds;

// `threads` threads each call `take` `per_thread` times; how many calls it allowed.
template <typename Take>
int Hammer(int threads, int per_thread, Take take) {
  std::atomic<int> allowed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) allowed += take(t) ? 1 : 0;
    });
  }
  for (auto& thread : pool) thread.join();
  return allowed.load();
}

TEST(RateLimiterConcurrency, OneClientGetsItsBurstThenWhatTheClockRefills) {
  test::FakeClock clock;
  RateLimiter limiter(clock);
  const auto take = [&](int) { return limiter.Take("10.0.0.9", 2.0, 5.0) == 0; };
  EXPECT_EQ(Hammer(8, 100, take), 5);
  clock.Advance(seconds(3));  // 6 tokens, capped at the burst of 5
  EXPECT_EQ(Hammer(8, 100, take), 5);
  clock.Advance(std::chrono::milliseconds(1500));  // 3 tokens
  EXPECT_EQ(Hammer(8, 100, take), 3);
}

TEST(RateLimiterConcurrency, ClientsDoNotShareTokensAndRefusalsSayWhenToRetry) {
  test::FakeClock clock;
  RateLimiter limiter(clock, 64);
  std::atomic<int> bad_retry{0};
  std::vector<std::atomic<int>> allowed(8);
  Hammer(8, 500, [&](int t) {
    const double retry = limiter.Take("client" + std::to_string(t), 0.5, 10.0);
    if (retry == 0) {
      ++allowed[static_cast<size_t>(t)];
    } else if (retry <= 0 || retry > 2.0) {
      ++bad_retry;
    }
    return retry == 0;
  });
  for (size_t t = 0; t < allowed.size(); ++t) EXPECT_EQ(allowed[t].load(), 10) << t;
  EXPECT_EQ(bad_retry.load(), 0);
}

TEST(AuthThrottleConcurrency, TenFailuresBlockHoweverManyThreadsFail) {
  test::FakeClock clock;
  AuthThrottle throttle(clock);
  // Every thread guesses until refused: the address is blocked after exactly ten failures.
  std::atomic<int> failures{0};
  Hammer(8, 50, [&](int) {
    if (throttle.Blocked("10.0.0.7") > 0) return false;
    throttle.Failed("10.0.0.7");
    ++failures;
    return true;
  });
  EXPECT_GE(failures.load(), AuthThrottle::kMaxFailures);
  EXPECT_LE(failures.load(), AuthThrottle::kMaxFailures + 7);  // in flight when it tripped
  EXPECT_GT(throttle.Blocked("10.0.0.7"), 0);
  EXPECT_EQ(throttle.Blocked("10.0.0.8"), 0);
  clock.Advance(AuthThrottle::kWindow);
  EXPECT_EQ(throttle.Blocked("10.0.0.7"), 0);
}

}  // namespace
}  // namespace spark
