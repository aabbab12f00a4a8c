// Appends from many threads at once (poller transitions and client reports arrive on different
// threads): every event gets its own id, none is lost or repeated, the counters add up, and the
// file read back after a restart holds the same events.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "exporter/event_log.h"
#include "support/fake_clock.h"
#include "support/process.h"

namespace spark {
namespace {

constexpr int kThreads = 8;
constexpr int kAppends = 150;

ConnectivityEvent From(int thread, bool transition) {
  ConnectivityEvent e;
  e.service = "s" + std::to_string(thread);
  e.type = transition ? EventType::kTransition : EventType::kReport;
  e.ok = true;
  e.source = transition ? "poller" : "app";
  return e;
}

TEST(EventLogAppends, ManyAppendersGetDistinctConsecutiveIdsAndNothingIsLost) {
  test::TempDir dir;
  test::FakeClock clock;
  const EventLogOptions options{
      .dir = dir.path(), .ring_capacity = 64, .max_file_bytes = 64 << 10, .keep_rotated = 8};
  std::vector<std::vector<uint64_t>> ids(kThreads);
  {
    EventLog log(options, clock);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kAppends; ++i) {
          const auto appended = log.Append(From(t, i % 3 == 0));
          if (!appended.ok()) {
            ADD_FAILURE() << appended.status().message();
            return;
          }
          ids[static_cast<size_t>(t)].push_back(appended->id);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(log.last_id(), uint64_t{kThreads} * kAppends);
    const EventLog::Counters counters = log.counters();
    EXPECT_EQ(counters.transitions, uint64_t{kThreads} * (kAppends / 3));
    EXPECT_EQ(counters.reports, uint64_t{kThreads} * (kAppends - kAppends / 3));
    EXPECT_EQ(counters.dropped_disk, 0u);
  }
  std::set<uint64_t> all;
  for (const auto& mine : ids) {
    for (size_t i = 1; i < mine.size(); ++i) EXPECT_LT(mine[i - 1], mine[i]);  // in call order
    all.insert(mine.begin(), mine.end());
  }
  ASSERT_EQ(all.size(), size_t{kThreads} * kAppends);  // no id given twice
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), uint64_t{kThreads} * kAppends);  // none skipped

  // After a restart the files hold every event, each under the id its appender was given.
  EventLog reopened(options, clock);
  const auto events = reopened.Find({.since = 0, .limit = size_t{kThreads} * kAppends});
  ASSERT_EQ(events.size(), size_t{kThreads} * kAppends);
  for (size_t t = 0; t < ids.size(); ++t) {
    for (const uint64_t id : ids[t]) {
      EXPECT_EQ(events[id - 1].id, id);
      EXPECT_EQ(events[id - 1].service, "s" + std::to_string(t)) << id;
    }
  }
}

}  // namespace
}  // namespace spark
