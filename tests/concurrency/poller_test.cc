// The poller on its fake clock: one probe per interval and no more, requested probes coalesced
// however many threads ask, and snapshots that readers see only move forward while targets,
// probes and requests come from several threads at once.
#include "exporter/poller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/fake_clock.h"
#include "support/health_target.h"
#include "support/loopback_server.h"

namespace spark {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class PollerTest : public ::testing::Test {
 protected:
  PollerTest() : events_({}, clock_) {}

  std::unique_ptr<Poller> Start(const std::vector<ProbeTarget>& targets,
                                Duration interval = seconds(60)) {
    PollerOptions options;
    options.interval = interval;
    options.timeout = seconds(2);
    options.reprobe_spacing = milliseconds(250);
    auto poller = std::make_unique<Poller>(options, MakeCurlHttpClient, events_, clock_);
    poller->SetTargets(targets);
    return poller;
  }

  // Real time, bounded: until the poller published a snapshot where `service` was probed
  // `probes` times (history counts every probe of a configured service).
  ::testing::AssertionResult AwaitProbes(Poller& poller, const std::string& service,
                                         size_t probes) {
    const SystemClock real;
    const SteadyTime limit = real.Now() + seconds(10);
    uint64_t seen = 0;
    while (real.Now() < limit) {
      const auto snapshot = poller.Current();
      const auto it = snapshot->services.find(service);
      if (it != snapshot->services.end() && it->second.history.size() >= probes) {
        return ::testing::AssertionSuccess();
      }
      seen = poller.feed().WaitNewer(seen, real, limit, [] { return false; });
    }
    return ::testing::AssertionFailure() << service << " was not probed " << probes << " times";
  }

  size_t Probes(Poller& poller, const std::string& service) {
    return poller.Current()->services.at(service).history.size();
  }

  test::FakeClock clock_;
  EventLog events_;
};

TEST_F(PollerTest, ProbesOncePerIntervalOfItsClock) {
  test::LoopbackServer server;
  auto poller = Start({test::LoopbackHealth("parakeet", server.port())});
  ASSERT_TRUE(AwaitProbes(*poller, "parakeet", 1));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  clock_.Advance(seconds(59));
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // looked at the time and sleeps again
  EXPECT_EQ(Probes(*poller, "parakeet"), 1u);
  for (size_t round = 2; round <= 4; ++round) {
    clock_.Advance(seconds(1));
    ASSERT_TRUE(AwaitProbes(*poller, "parakeet", round));
    ASSERT_TRUE(clock_.AwaitWaiters(1));
    clock_.Advance(seconds(59));
    ASSERT_TRUE(clock_.AwaitWaiters(1));
  }
  EXPECT_EQ(Probes(*poller, "parakeet"), 4u);
  EXPECT_EQ(server.requests(), 4);
}

TEST_F(PollerTest, RequestsFromManyThreadsCoalesceIntoOneProbePerSpacing) {
  test::LoopbackServer server;
  auto poller = Start({test::LoopbackHealth("parakeet", server.port())});
  ASSERT_TRUE(AwaitProbes(*poller, "parakeet", 1));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  std::vector<std::thread> reporters;
  for (int t = 0; t < 8; ++t) {
    reporters.emplace_back([&] {
      for (int i = 0; i < 50; ++i) poller->RequestProbe("parakeet");
    });
  }
  for (auto& r : reporters) r.join();
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // within the spacing: no probe yet
  EXPECT_EQ(Probes(*poller, "parakeet"), 1u);
  clock_.Advance(milliseconds(250));
  ASSERT_TRUE(AwaitProbes(*poller, "parakeet", 2));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  clock_.Advance(seconds(1));  // nothing pending: the next probe is the interval's
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Probes(*poller, "parakeet"), 2u);
  EXPECT_EQ(server.requests(), 2);
}

TEST_F(PollerTest, ReadersSeeVersionsOnlyIncreaseWhileTargetsAndProbesChange) {
  test::LoopbackServer up;
  test::LoopbackServer down(test::Behaviour::kStatus500);
  auto poller =
      Start({test::LoopbackHealth("a", up.port()), test::LoopbackHealth("b", down.port())});
  std::atomic<bool> done{false};
  std::atomic<int> backwards{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&] {
      uint64_t last = 0;
      for (int i = 0; i < 20000 && !done; ++i) {
        const uint64_t version = poller->Current()->version;
        if (version < last) ++backwards;
        last = version;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) poller->ProbeNow(i % 2 ? "a" : "b");
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      poller->SetTargets({test::LoopbackHealth("a", up.port()),
                          test::LoopbackHealth(i % 2 ? "b" : "c", down.port())});
      poller->RequestProbe("a");
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) clock_.Advance(milliseconds(300));
  });
  for (size_t i = 3; i < threads.size(); ++i) threads[i].join();
  done = true;
  for (size_t i = 0; i < 3; ++i) threads[i].join();
  EXPECT_EQ(backwards.load(), 0);
  const auto snapshot = poller->Current();
  ASSERT_EQ(snapshot->services.size(), 2u);
  EXPECT_TRUE(snapshot->services.count("a"));
  EXPECT_TRUE(snapshot->services.count("b"));  // the last SetTargets (i = 19) wins
  poller->Stop();
  EXPECT_GE(up.requests(), 1);
}

}  // namespace
}  // namespace spark
