// The SSE helpers every stream route shares: the resume point a reconnecting EventSource sends
// (Last-Event-ID), and the follow loop — replay, publish on each change, a ping after 15 quiet
// seconds on the Clock, and an end when the source, the client or the server is done.
#include "web/sse_follow.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/eventually.h"
#include "support/fake_clock.h"

namespace spark {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ParseDecimal, TakesDigitsOnlyAndWhatFitsIn64Bits) {
  EXPECT_EQ(ParseDecimal("42"), 42u);
  EXPECT_EQ(ParseDecimal("0"), 0u);
  EXPECT_EQ(ParseDecimal("18446744073709551615"), std::numeric_limits<uint64_t>::max());
  for (const char* bad : {"", "abc", "12x", "x12", "+5", " 5", "5 ", "-1", "1.5", "0x10",
                          "18446744073709551616", "99999999999999999999999"}) {
    EXPECT_EQ(ParseDecimal(bad), std::nullopt) << '"' << bad << '"';
  }
}

Request WithLastEventId(std::string value) {
  Request request;
  request.headers.emplace_back("last-event-id", std::move(value));
  return request;
}

TEST(ResumeAfter, IsTheLastEventIdWhenItIsAWholeNumber) {
  EXPECT_EQ(ResumeAfter(WithLastEventId("17"), 5), 17u);
  EXPECT_EQ(ResumeAfter(WithLastEventId("0"), 5), 0u);
}

TEST(ResumeAfter, FallsBackWhenTheHeaderIsAbsentOrNotAWholeNumber) {
  EXPECT_EQ(ResumeAfter(Request{}, 5), 5u);
  for (const char* bad : {"", "garbage", "+17", " 17", "17 ", "18446744073709551616"}) {
    EXPECT_EQ(ResumeAfter(WithLastEventId(bad), 5), 5u) << '"' << bad << '"';
  }
}

// Records frames as text: "event NAME ID DATA" or ": COMMENT"; the follow loop itself only
// writes comments (the source writes the events).
class RecordingStream final : public SseStream {
 public:
  bool Send(std::string_view event, std::string_view id, std::string_view data) override {
    std::lock_guard lock(mu_);
    frames_.push_back("event " + std::string(event) + " " + std::string(id) + " " +
                      std::string(data));
    return !gone;
  }
  bool Comment(std::string_view text) override {
    std::lock_guard lock(mu_);
    frames_.push_back(": " + std::string(text));
    return !gone;
  }
  bool stopping() const override { return stop; }
  void Refuse(const Response&) override {}
  std::vector<std::string> frames() const {
    std::lock_guard lock(mu_);
    return frames_;
  }

  std::atomic<bool> gone{false};  // writes fail from now on (they are still recorded)
  std::atomic<bool> stop{false};

 private:
  mutable std::mutex mu_;
  std::vector<std::string> frames_;
};

// A follower on its own thread, with a source whose answers the test sets.
class SseFollow : public ::testing::Test {
 protected:
  void Follow(std::function<std::optional<SteadyTime>()> due = {}, Duration spacing = {}) {
    thread_ = std::thread([this, due, spacing] {
      FollowOnSse(stream_, clock_, feed_,
                  {[this] {
                     ++publishes_;
                     return next_.load();
                   },
                   due, spacing});
      ended_ = true;
    });
  }
  void TearDown() override {
    if (!thread_.joinable()) return;
    stream_.stop = true;
    feed_.WakeAll();
    thread_.join();
  }
  std::vector<std::string> Comments() const {
    std::vector<std::string> comments;
    for (const auto& frame : stream_.frames()) {
      if (frame.starts_with(": ")) comments.push_back(frame);
    }
    return comments;
  }

  test::FakeClock clock_;
  ChangeFeed feed_;
  RecordingStream stream_;
  std::atomic<int> publishes_{0};
  std::atomic<SsePublish> next_{SsePublish::kNothing};
  std::atomic<bool> ended_{false};
  std::thread thread_;
};

TEST_F(SseFollow, ConnectsThenReplaysAtOnce) {
  Follow();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(stream_.frames(), std::vector<std::string>{": connected"});
  EXPECT_EQ(publishes_, 1);
}

TEST_F(SseFollow, PingsAfterFifteenQuietSecondsAndNotBefore) {
  Follow();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  clock_.Advance(seconds(14));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Comments(), std::vector<std::string>{": connected"});
  clock_.Advance(seconds(1));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  const std::vector<std::string> pinged = {": connected", ": ping"};
  EXPECT_EQ(Comments(), pinged);
  // The ping restarts the quiet time.
  clock_.Advance(seconds(14));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Comments(), pinged);
}

TEST_F(SseFollow, AWriteRestartsTheQuietTime) {
  next_ = SsePublish::kWrote;
  Follow();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  clock_.Advance(seconds(10));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  feed_.Bump();
  ASSERT_TRUE(test::Eventually([&] { return publishes_ == 2; }));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  clock_.Advance(seconds(10));  // 20 s after connecting, 10 s after the write
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Comments(), std::vector<std::string>{": connected"});
}

TEST_F(SseFollow, PublishesOnEveryChangeOfTheFeed) {
  Follow();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  for (int i = 2; i <= 4; ++i) {
    feed_.Bump();
    ASSERT_TRUE(test::Eventually([&] { return publishes_ == i; })) << i;
    ASSERT_TRUE(clock_.AwaitWaiters(1));
  }
  EXPECT_EQ(Comments(), std::vector<std::string>{": connected"});
}

TEST_F(SseFollow, WithSpacingABurstOfChangesIsTakenByOnePublish) {
  Follow({}, milliseconds(100));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  for (int i = 0; i < 6; ++i) feed_.Bump();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(publishes_, 1) << "published before the spacing had passed";
  clock_.Advance(milliseconds(100));
  ASSERT_TRUE(test::Eventually([&] { return publishes_ >= 2; }));
  clock_.Advance(milliseconds(100));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_LE(publishes_, 3) << "six changes, each published on its own";
  clock_.Advance(seconds(1));  // past any spacing sleep, so TearDown's wake reaches the loop
}

TEST_F(SseFollow, PublishesAtTheDueTimeWithoutAChange) {
  const SteadyTime due = clock_.Now() + seconds(2);
  Follow([this, due]() -> std::optional<SteadyTime> {
    if (publishes_ >= 2) return std::nullopt;
    return due;
  });
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  clock_.Advance(seconds(1));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(publishes_, 1);
  clock_.Advance(seconds(1));
  ASSERT_TRUE(test::Eventually([&] { return publishes_ == 2; }));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Comments(), std::vector<std::string>{": connected"});
}

TEST_F(SseFollow, EndsWhenTheSourceIsDone) {
  Follow();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  next_ = SsePublish::kDone;
  feed_.Bump();
  EXPECT_TRUE(test::Eventually([&] { return ended_.load(); }));
  EXPECT_EQ(publishes_, 2);
}

TEST_F(SseFollow, EndsWhenAPingFindsTheClientGone) {
  Follow();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  stream_.gone = true;
  clock_.Advance(seconds(15));
  EXPECT_TRUE(test::Eventually([&] { return ended_.load(); }));
  EXPECT_EQ(Comments().back(), ": ping");
}

TEST_F(SseFollow, EndsWithoutPublishingOnceTheServerStops) {
  Follow();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  stream_.stop = true;
  feed_.WakeAll();
  EXPECT_TRUE(test::Eventually([&] { return ended_.load(); }));
  EXPECT_EQ(publishes_, 1);
}

TEST_F(SseFollow, ACommentThatFailsAtConnectEndsBeforeAnyPublish) {
  stream_.gone = true;
  Follow();
  EXPECT_TRUE(test::Eventually([&] { return ended_.load(); }));
  EXPECT_EQ(publishes_, 0);
}

}  // namespace
}  // namespace spark
