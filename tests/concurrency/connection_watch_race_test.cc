// The poller's connection watch under concurrent use: refusals published from many threads (as
// the watch threads publish them) while the targets move, the watch is turned off and on and
// the counts are read, then the poller is destroyed with watch threads still connected.
// Snapshots only move forward, and nothing deadlocks (the TSan stage checks the locking).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "exporter/poller.h"
#include "support/fake_clock.h"
#include "support/health_target.h"
#include "support/loopback_server.h"
#include "support/refusing_http.h"

namespace spark {
namespace {

using std::chrono::seconds;

TEST(ConnectionWatchRace, RefusalsTargetsAndSwitchesFromManyThreads) {
  test::FakeClock clock;
  EventLog events({}, clock);
  test::LoopbackServer first;
  test::LoopbackServer second;
  PollerOptions options;
  options.interval = seconds(60);
  auto poller = std::make_unique<Poller>(options, test::RefusingHttpFactory(), events, clock);
  poller->SetTargets({test::LoopbackHealth("a", first.port())});
  std::atomic<bool> done{false};
  std::atomic<int> backwards{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      uint64_t last = 0;
      for (int i = 0; i < 300 && !done; ++i) {
        poller->MarkRefused(t % 2 ? "a" : "b", "refused " + std::to_string(i));
        const uint64_t version = poller->Current()->version;
        if (version < last) ++backwards;
        last = version;
        (void)poller->WatchCounts();
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 30; ++i) {
      const int port = i % 2 ? first.port() : second.port();
      poller->SetTargets({test::LoopbackHealth("a", port), test::LoopbackHealth("b", port)});
    }
  });
  threads.emplace_back([&] {
    PollerOptions toggled = options;
    for (int i = 0; i < 30; ++i) {
      toggled.watch_connections = i % 2 == 1;
      poller->SetOptions(toggled);
    }
  });
  for (auto& thread : threads) thread.join();
  done = true;
  EXPECT_EQ(backwards.load(), 0);
  poller->SetOptions(options);  // the watch on, connected to both servers, when destroyed
  poller.reset();
}

}  // namespace
}  // namespace spark
