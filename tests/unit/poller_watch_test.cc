// The poller's side of the connection watch, without a dying process: a refusal the watch
// reports is published like a probe's failure but leaves the probe history and latency alone,
// a refusal for a service the poller does not know is dropped, and with the watch off no
// watch thread runs (turned on and off again live).
#include <gtest/gtest.h>

#include <filesystem>

#include "exporter/poller.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/health_target.h"
#include "support/loopback_server.h"
#include "support/refusing_http.h"
#include "support/silent_port.h"

namespace spark {
namespace {

using std::chrono::seconds;

// Every event logged so far, oldest first.
std::vector<ConnectivityEvent> AllLoggedEvents(const EventLog& events) {
  EventQuery query;
  query.since = 0;
  return events.Find(query);
}

// The threads of this process now.
size_t ProcessThreads() {
  size_t threads = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    ++threads;
  }
  return threads;
}

class PollerWatchTest : public ::testing::Test {
 protected:
  PollerWatchTest() : events_({}, clock_) {}

  std::unique_ptr<Poller> Start(bool watch, int port) {
    PollerOptions options;
    options.interval = seconds(60);
    options.timeout = seconds(2);
    options.watch_connections = watch;
    auto poller = std::make_unique<Poller>(options, test::RefusingHttpFactory(), events_, clock_);
    poller->SetTargets({test::LoopbackHealth("parakeet", port)});
    return poller;
  }

  // Real time, bounded: until parakeet's first probe was published.
  static bool AwaitFirstProbe(Poller& poller) {
    const SystemClock real;
    const SteadyTime limit = real.Now() + seconds(10);
    uint64_t seen = 0;
    while (real.Now() < limit) {
      if (poller.Current()->services.at("parakeet").history.size() >= 1) return true;
      seen = poller.feed().WaitNewer(seen, real, limit, [] { return false; });
    }
    return false;
  }

  test::FakeClock clock_;
  EventLog events_;
};

TEST_F(PollerWatchTest, ARefusalIsPublishedWithoutAProbeSample) {
  auto poller = Start(false, 9);
  ASSERT_TRUE(AwaitFirstProbe(*poller));
  const ServiceState before = poller->Current()->services.at("parakeet");
  poller->MarkRefused("parakeet", "connection refused (seen by the connection watch)");
  const ServiceState& after = poller->Current()->services.at("parakeet");
  EXPECT_EQ(after.up, false);
  EXPECT_EQ(after.reason, FailureReason::kRefused);
  EXPECT_EQ(after.error, "connection refused (seen by the connection watch)");
  EXPECT_EQ(after.history.size(), before.history.size());
  EXPECT_EQ(after.latency_ms, before.latency_ms);
  EXPECT_EQ(after.probe_duration.count(), before.probe_duration.count());
  const auto refused = static_cast<size_t>(FailureReason::kRefused);
  EXPECT_EQ(after.failures[refused], before.failures[refused] + 1);
}

TEST_F(PollerWatchTest, ARefusalAfterAnUpProbeIsADownTransitionFromTheWatch) {
  test::LoopbackServer server;
  PollerOptions options;
  options.interval = seconds(60);
  options.watch_connections = false;
  Poller poller(options, MakeCurlHttpClient, events_, clock_);
  poller.SetTargets({test::LoopbackHealth("parakeet", server.port())});
  ASSERT_TRUE(AwaitFirstProbe(poller));
  ASSERT_EQ(poller.Current()->services.at("parakeet").up, true);
  poller.MarkRefused("parakeet", "connection refused");
  const auto logged = AllLoggedEvents(events_);
  ASSERT_EQ(logged.size(), 2u);
  const ConnectivityEvent& down = logged.back();
  EXPECT_EQ(down.type, EventType::kTransition);
  EXPECT_FALSE(down.ok);
  EXPECT_EQ(down.source, "watch");
  EXPECT_EQ(down.error, "connection refused");
  EXPECT_FALSE(down.ms.has_value());
  EXPECT_EQ(logged.front().source, "poller");
}

TEST_F(PollerWatchTest, ARefusalForAnUnknownServiceIsIgnored) {
  auto poller = Start(false, 9);
  ASSERT_TRUE(AwaitFirstProbe(*poller));
  const SnapshotPtr before = poller->Current();
  const size_t logged = AllLoggedEvents(events_).size();
  poller->MarkRefused("whisper", "connection refused");
  EXPECT_EQ(poller->Current(), before);  // nothing published
  EXPECT_EQ(AllLoggedEvents(events_).size(), logged);
}

TEST_F(PollerWatchTest, WithTheWatchOffNoWatchThreadRuns) {
  test::SilentPort server;  // takes the watch's connection without a thread of its own
  const size_t base = ProcessThreads();
  auto poller = Start(false, server.port());
  ASSERT_TRUE(AwaitFirstProbe(*poller));
  EXPECT_EQ(ProcessThreads(), base + 1);  // parakeet's probe thread
  EXPECT_TRUE(poller->WatchCounts().empty());

  PollerOptions on;
  on.interval = seconds(60);
  poller->SetOptions(on);
  ASSERT_TRUE(test::Eventually([&] { return poller->WatchCounts()["parakeet"].connects > 0; }));
  EXPECT_EQ(poller->WatchCounts()["parakeet"].connects, 1u);
  EXPECT_EQ(ProcessThreads(), base + 2);

  on.watch_connections = false;
  poller->SetOptions(on);
  EXPECT_TRUE(poller->WatchCounts().empty());
  EXPECT_EQ(ProcessThreads(), base + 1);  // the watch thread was joined
}

}  // namespace
}  // namespace spark
