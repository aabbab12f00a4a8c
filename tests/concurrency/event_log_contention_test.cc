// The connectivity log shared by threads: readers run every kind of query while one
// appender rotates files under them (TSan runs this suite), and a reader stuck on a slow
// file does not hold up appends.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <random>
#include <thread>

#include "exporter/event_log.h"
#include "support/process.h"

namespace spark {
namespace {

using namespace std::chrono_literals;

std::string ServiceOf(uint64_t id) { return "s" + std::to_string(id % 3); }

ConnectivityEvent Report(const std::string& service) {
  ConnectivityEvent e;
  e.service = service;
  e.type = EventType::kReport;
  e.ok = true;
  e.source = "contention";
  return e;
}

// Ids that follow each other by `step`, each event carrying the service its id implies.
::testing::AssertionResult Consecutive(const std::vector<ConnectivityEvent>& events,
                                       uint64_t step) {
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].service != ServiceOf(events[i].id)) {
      return ::testing::AssertionFailure()
             << "event " << events[i].id << " is " << events[i].service;
    }
    if (i > 0 && events[i].id != events[i - 1].id + step) {
      return ::testing::AssertionFailure() << events[i - 1].id << " then " << events[i].id;
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(EventLogContention, ReadersSeeWholeOrderedResultsWhileAppendsRotateFiles) {
  test::TempDir dir;
  SystemClock clock;
  EventLog log(
      {.dir = dir.path(), .ring_capacity = 64, .max_file_bytes = 16 << 10, .keep_rotated = 2},
      clock);
  constexpr uint64_t kContendedAppends = 3000;
  std::atomic<bool> done{false};
  std::thread appender([&] {
    for (uint64_t id = 1; id <= kContendedAppends; ++id) {
      if (!log.Append(Report(ServiceOf(id))).ok()) {
        ADD_FAILURE() << "append " << id << " failed";
        break;
      }
    }
    done = true;
  });
  std::atomic<uint64_t> queries{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937_64 random(r);
      uint64_t replayed = 0;  // a slow replay that spans rotations
      for (int i = 0; i < 100000 && !done; ++i) {
        // last_id() is stored before the event becomes visible, so the newest visible event
        // (not last_id) is what a reader may count on finding.
        const auto newest_visible = log.Find({.limit = 1});
        const uint64_t visible = newest_visible.empty() ? 0 : newest_visible.back().id;
        const uint64_t since = visible == 0 ? 0 : random() % visible;
        const auto page = log.Find({.since = since, .limit = 50});
        ASSERT_TRUE(Consecutive(page, 1));
        if (!page.empty()) {
          ASSERT_GT(page.front().id, since);
        }
        if (since < visible && since + 60 >= visible) {  // in memory: nothing may be missing
          ASSERT_FALSE(page.empty());
          ASSERT_EQ(page.front().id, since + 1);
        }
        const auto newest = log.Find({.limit = 20});
        ASSERT_TRUE(Consecutive(newest, 1));
        if (!newest.empty()) {
          ASSERT_LE(newest.back().id, log.last_id());
        }
        const auto filtered = log.Find({.since = since, .service = "s1", .limit = 30});
        ASSERT_TRUE(Consecutive(filtered, 3));
        for (const auto& e : filtered) ASSERT_EQ(e.id % 3, 1u);
        const auto replay = log.Find({.since = replayed, .limit = 7});
        ASSERT_TRUE(Consecutive(replay, 1));
        if (!replay.empty()) {
          ASSERT_GT(replay.front().id, replayed);
          replayed = replay.back().id;
        }
        ++queries;
      }
    });
  }
  appender.join();
  for (auto& reader : readers) reader.join();
  EXPECT_GT(queries.load(), 0u);
  EXPECT_EQ(log.last_id(), kContendedAppends);
  const auto tail = log.Find({.since = kContendedAppends - 100, .limit = 1000});
  ASSERT_EQ(tail.size(), 100u);
  EXPECT_TRUE(Consecutive(tail, 1));
}

// A reader blocked on a file (a FIFO here; a stalled disk or network mount alike) once held
// the lock that rotation needs, so every append waited for it.
TEST(EventLogContention, AReaderStuckOnAFileDoesNotHoldUpAppends) {
  test::TempDir dir;
  SystemClock clock;
  const EventLogOptions first{.dir = dir.path(), .ring_capacity = 2, .keep_rotated = 3};
  {
    EventLog log(first, clock);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(log.Append(Report("s0")).ok());
  }
  const auto fifo = dir / "events.2.jsonl";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EventLogOptions options = first;
  options.max_file_bytes = 1200;  // the next few appends rotate
  EventLog log(options, clock);

  auto reader = std::async(std::launch::async, [&] { return log.Find({.since = 0}).size(); });
  // Wait until the reader is done, or holds the FIFO open: then keep a writer on it that
  // writes nothing, so the reader stays blocked in read().
  int writer = -1;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         reader.wait_for(1ms) != std::future_status::ready) {
    writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (writer >= 0) break;
  }
  auto appender = std::async(std::launch::async, [&] {
    for (int i = 0; i < 20; ++i) {
      if (!log.Append(Report("s0")).ok()) return false;
    }
    return true;
  });
  const bool appended_in_time = appender.wait_for(10s) == std::future_status::ready;
  if (writer >= 0) ::close(writer);  // lets a stuck reader (and then the appends) finish
  EXPECT_TRUE(appended_in_time) << "appends waited for a reader";
  EXPECT_TRUE(appender.get());
  EXPECT_EQ(reader.get(), 5u);
  EXPECT_EQ(log.last_id(), 25u);
}

}  // namespace
}  // namespace spark
