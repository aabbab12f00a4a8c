// Repeated 401s from one address: refused (429) after the 10th within a minute, without the
// token being compared; a success resets; the window ends; the map stays bounded.
#include "web/auth_throttle.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

namespace spark {
namespace {

TEST(AuthThrottle, BlocksAfterTenFailuresUntilTheWindowEnds) {
  test::FakeClock clock;
  AuthThrottle throttle(clock);
  for (int i = 0; i < AuthThrottle::kMaxFailures; ++i) {
    EXPECT_EQ(throttle.Blocked("10.0.0.7"), 0) << i;
    throttle.Failed("10.0.0.7");
    clock.Advance(std::chrono::seconds(1));
  }
  const double wait = throttle.Blocked("10.0.0.7");
  EXPECT_GT(wait, 49);
  EXPECT_LE(wait, 60);
  EXPECT_EQ(throttle.Blocked("10.0.0.8"), 0);  // per address
  clock.Advance(std::chrono::seconds(51));
  EXPECT_EQ(throttle.Blocked("10.0.0.7"), 0);
  throttle.Failed("10.0.0.7");  // a new window: one failure is not a block
  EXPECT_EQ(throttle.Blocked("10.0.0.7"), 0);
}

TEST(AuthThrottle, ASuccessResetsTheCount) {
  test::FakeClock clock;
  AuthThrottle throttle(clock);
  for (int i = 0; i < AuthThrottle::kMaxFailures - 1; ++i) throttle.Failed("a");
  throttle.Succeeded("a");
  throttle.Failed("a");
  EXPECT_EQ(throttle.Blocked("a"), 0);
}

TEST(AuthThrottle, FailuresSpreadOverMoreThanTheWindowDoNotBlock) {
  test::FakeClock clock;
  AuthThrottle throttle(clock);
  for (int i = 0; i < 3 * AuthThrottle::kMaxFailures; ++i) {
    throttle.Failed("a");
    EXPECT_EQ(throttle.Blocked("a"), 0) << i;
    clock.Advance(std::chrono::seconds(7));
  }
}

TEST(AuthThrottle, TracksABoundedNumberOfAddresses) {
  test::FakeClock clock;
  AuthThrottle throttle(clock, /*max_failures=*/1, std::chrono::minutes(1), /*max_clients=*/2);
  throttle.Failed("a");
  throttle.Failed("b");
  EXPECT_GT(throttle.Blocked("a"), 0);
  throttle.Failed("c");  // evicts the least recently failed, a
  EXPECT_EQ(throttle.Blocked("a"), 0);
  EXPECT_GT(throttle.Blocked("b"), 0);
  EXPECT_GT(throttle.Blocked("c"), 0);
}

}  // namespace
}  // namespace spark
