// The reader pool that runs the connectivity log's file reads: reads run in queue order on
// the pool's own lower-priority threads, a full queue refuses or makes the caller wait, and
// stopping drops queued reads and wakes every caller. Then the log with a pool: queries that
// need the files queue for it (refused when its queue is full), queries served from memory
// never wait for it, and a stopped pool leaves reads on the caller's thread. TSan runs both.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "exporter/event_log.h"
#include "exporter/reader_pool.h"
#include "support/process.h"

namespace spark {
namespace {

using namespace std::chrono_literals;
using WhenFull = ReaderPool::WhenFull;

constexpr auto kPatience = 10s;  // bounds every wait; reached only when a test fails

// Polls `condition` until it holds or kPatience passes.
template <typename Condition>
bool Eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A read that holds its pool thread until Open().
class Blocker {
 public:
  Blocker() : open_(opened_.get_future().share()) {}
  ~Blocker() { Open(); }
  std::function<void()> Read() {
    return [this] {
      started_.store(true);
      (void)open_.wait_for(kPatience);
    };
  }
  bool started() const { return started_.load(); }
  void Open() {
    if (!was_opened_.exchange(true)) opened_.set_value();
  }

 private:
  std::promise<void> opened_;
  std::shared_future<void> open_;
  std::atomic<bool> started_{false};
  std::atomic<bool> was_opened_{false};
};

// Occupies the pool's only thread with `blocker` from a helper thread; true once it runs.
std::future<bool> Occupy(ReaderPool& pool, Blocker& blocker) {
  auto running = std::async(std::launch::async, [&pool, read = blocker.Read()] {
    return pool.Run(read, WhenFull::kRefuse);
  });
  EXPECT_TRUE(Eventually([&] { return blocker.started(); }));
  return running;
}

int OwnNiceness() {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
}

TEST(EventLogReaderPool, RunsReadsInQueueOrderOnItsOwnThread) {
  ReaderPool pool({.threads = 1, .queue_capacity = 8});
  Blocker blocker;
  auto first = Occupy(pool, blocker);
  std::vector<int> order;  // written by the pool thread only
  std::vector<std::thread::id> threads;
  std::vector<std::future<bool>> reads;
  for (int i = 0; i < 5; ++i) {
    reads.push_back(std::async(std::launch::async, [&, i] {
      return pool.Run(
          [&, i] {
            order.push_back(i);
            threads.push_back(std::this_thread::get_id());
          },
          WhenFull::kRefuse);
    }));
    ASSERT_TRUE(Eventually([&] { return pool.queued() == static_cast<size_t>(i) + 1; }));
  }
  blocker.Open();
  EXPECT_TRUE(first.get());
  for (auto& read : reads) EXPECT_TRUE(read.get());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  ASSERT_EQ(threads.size(), 5u);
  EXPECT_TRUE(std::all_of(threads.begin(), threads.end(),
                          [&](std::thread::id id) { return id == threads[0]; }));
  EXPECT_NE(threads[0], std::this_thread::get_id());
}

TEST(EventLogReaderPool, AFullQueueRefusesAtOnceOrMakesTheCallerWaitForRoom) {
  ReaderPool pool({.threads = 1, .queue_capacity = 2});
  Blocker blocker;
  auto first = Occupy(pool, blocker);
  std::atomic<int> ran{0};
  auto count = [&] { ran.fetch_add(1); };
  std::vector<std::future<bool>> queued;
  for (int i = 0; i < 2; ++i) {
    queued.push_back(
        std::async(std::launch::async, [&] { return pool.Run(count, WhenFull::kRefuse); }));
  }
  ASSERT_TRUE(Eventually([&] { return pool.queued() == 2; }));

  EXPECT_FALSE(pool.Run(count, WhenFull::kRefuse));  // full: refused without running
  auto waiting = std::async(std::launch::async, [&] { return pool.Run(count, WhenFull::kWait); });
  EXPECT_EQ(ran.load(), 0);

  blocker.Open();
  EXPECT_TRUE(first.get());
  for (auto& read : queued) EXPECT_TRUE(read.get());
  ASSERT_EQ(waiting.wait_for(kPatience), std::future_status::ready);
  EXPECT_TRUE(waiting.get());  // it waited for room and then ran
  EXPECT_EQ(ran.load(), 3);
}

TEST(EventLogReaderPool, StopDropsQueuedReadsWakesWaitersAndFinishesTheRunningOne) {
  ReaderPool pool({.threads = 1, .queue_capacity = 1});
  Blocker blocker;
  auto first = Occupy(pool, blocker);
  std::atomic<int> ran{0};
  auto count = [&] { ran.fetch_add(1); };
  auto queued = std::async(std::launch::async, [&] { return pool.Run(count, WhenFull::kWait); });
  ASSERT_TRUE(Eventually([&] { return pool.queued() == 1; }));
  auto waiting = std::async(std::launch::async, [&] { return pool.Run(count, WhenFull::kWait); });

  // Stop joins the thread, so it returns only after the running read; its waiters return
  // before that.
  auto stopped = std::async(std::launch::async, [&] { pool.Stop(); });
  ASSERT_EQ(queued.wait_for(kPatience), std::future_status::ready);
  EXPECT_FALSE(queued.get());
  ASSERT_EQ(waiting.wait_for(kPatience), std::future_status::ready);
  EXPECT_FALSE(waiting.get());
  EXPECT_EQ(pool.queued(), 0u);

  blocker.Open();
  EXPECT_TRUE(first.get());  // the running read finished and its caller learned so
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready);
  EXPECT_FALSE(pool.Run(count, WhenFull::kWait));
  EXPECT_FALSE(pool.Run(count, WhenFull::kRefuse));
  EXPECT_EQ(ran.load(), 0);
  pool.Stop();  // again: nothing happens
}

TEST(EventLogReaderPool, ThreadsRunBelowTheCallersPriority) {
  ReaderPool pool({.threads = 2, .nice_increment = 5});
  const int caller = OwnNiceness();
  int inside = -100;
  ASSERT_TRUE(pool.Run([&] { inside = OwnNiceness(); }, WhenFull::kRefuse));
  EXPECT_EQ(inside, std::min(19, caller + 5));
  EXPECT_EQ(OwnNiceness(), caller);  // the caller's own thread is untouched
}

TEST(EventLogReaderPool, ExceptionsReachTheCallerAndReadsMayRunReads) {
  ReaderPool pool({.threads = 1});
  EXPECT_THROW(pool.Run([] { throw std::runtime_error("disk"); }, WhenFull::kRefuse),
               std::runtime_error);
  bool inner = false;
  // A read that queries again runs the inner read at once instead of queueing behind itself.
  ASSERT_TRUE(pool.Run([&] { EXPECT_TRUE(pool.Run([&] { inner = true; }, WhenFull::kRefuse)); },
                       WhenFull::kRefuse));
  EXPECT_TRUE(inner);
}

TEST(EventLogReaderPool, UsesHalfTheCoresByDefault) {
  ReaderPool pool;
  EXPECT_EQ(pool.threads(), std::max<size_t>(1, std::thread::hardware_concurrency() / 2));
}

TEST(EventLogReaderPool, ManyCallersAllGetTheirReadRunOnce) {
  ReaderPool pool({.threads = 2, .queue_capacity = 4});
  constexpr int kCallers = 8;
  constexpr int kReads = 200;
  std::atomic<int> ran{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int i = 0; i < kReads; ++i) {
        const WhenFull mode = (c + i) % 2 == 0 ? WhenFull::kWait : WhenFull::kRefuse;
        int local = 0;
        if (pool.Run([&] { ++local; }, mode)) {
          EXPECT_EQ(local, 1);
          ran.fetch_add(1);
        } else {
          EXPECT_EQ(mode, WhenFull::kRefuse);
          EXPECT_EQ(local, 0);
          refused.fetch_add(1);
        }
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(ran.load() + refused.load(), kCallers * kReads);
  EXPECT_GE(ran.load(), kCallers * kReads / 2);  // every waiting read ran
}

constexpr uint64_t kPoolEvents = 400;

ConnectivityEvent Report(uint64_t n) {
  ConnectivityEvent e;
  e.service = n % 2 == 0 ? "even" : "odd";
  e.type = EventType::kReport;
  e.ok = true;
  e.source = "readers";
  return e;
}

class EventLogReaders : public ::testing::Test {
 protected:
  EventLogReaders() {
    // A ring of 64 keeps at most 128 events in memory: the oldest of kPoolEvents are on disk only.
    log_ = std::make_unique<EventLog>(
        EventLogOptions{.dir = dir_.path(), .ring_capacity = 64, .readers = &pool_}, clock_);
    for (uint64_t n = 1; n <= kPoolEvents; ++n) EXPECT_TRUE(log_->Append(Report(n)).ok());
  }
  ~EventLogReaders() override {
    Open();
    if (holder_.valid()) holder_.wait();
    if (queued_.valid()) queued_.wait();
  }

  // Holds the pool's only thread and fills its queue (capacity 1) with a second held read.
  void FillThePool() {
    auto hold = [this] {
      held_.fetch_add(1);
      (void)open_.wait_for(kPatience);
    };
    holder_ = std::async(std::launch::async,
                         [this, hold] { return pool_.Run(hold, ReaderPool::WhenFull::kRefuse); });
    ASSERT_TRUE(Eventually([&] { return held_.load() == 1; }));
    queued_ = std::async(std::launch::async,
                         [this, hold] { return pool_.Run(hold, ReaderPool::WhenFull::kRefuse); });
    ASSERT_TRUE(Eventually([&] { return pool_.queued() == 1; }));
  }
  void Open() {
    if (!opened_.exchange(true)) open_promise_.set_value();
  }

  test::TempDir dir_;
  SystemClock clock_;
  ReaderPool pool_{{.threads = 1, .queue_capacity = 1}};
  std::unique_ptr<EventLog> log_;
  std::promise<void> open_promise_;
  std::shared_future<void> open_ = open_promise_.get_future().share();
  std::atomic<bool> opened_{false};
  std::atomic<int> held_{0};
  std::future<bool> holder_;
  std::future<bool> queued_;
};

TEST_F(EventLogReaders, AFullPoolRefusesFileQueriesButServesFromMemory) {
  FillThePool();
  const auto from_disk = log_->TryFind({.since = 0, .limit = 10});
  ASSERT_FALSE(from_disk.ok());
  EXPECT_EQ(from_disk.status().code_name(), "overloaded");
  const auto filtered = log_->TryFind({.service = "nothing", .limit = 10});  // the files too
  ASSERT_FALSE(filtered.ok());
  EXPECT_EQ(filtered.status().code_name(), "overloaded");

  const auto recent = log_->TryFind({.since = kPoolEvents - 5, .limit = 10});
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 5u);
  EXPECT_EQ(recent->front().id, kPoolEvents - 4);
  const auto newest = log_->Find({.service = "even", .limit = 3});
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest.back().id, kPoolEvents);
  EXPECT_TRUE(log_->TryFind({.since = kPoolEvents}).ok());  // up to date: nothing to read

  Open();
  EXPECT_TRUE(holder_.get());
  EXPECT_TRUE(queued_.get());  // the queue is empty again
  const auto after = log_->TryFind({.since = 0, .limit = 10});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 10u);
  EXPECT_EQ(after->front().id, 1u);
}

TEST_F(EventLogReaders, FileQueriesWaitForRoomInThePoolInFind) {
  FillThePool();
  auto replay = std::async(std::launch::async, [&] {
    auto events = log_->Find({.since = 0});
    return std::make_pair(opened_.load(), std::move(events));
  });
  Open();
  ASSERT_EQ(replay.wait_for(kPatience), std::future_status::ready);
  const auto [waited, events] = replay.get();
  EXPECT_TRUE(waited) << "a file query ran while the pool was full";
  ASSERT_EQ(events.size(), 100u);
  EXPECT_EQ(events.front().id, 1u);
  EXPECT_EQ(events.back().id, 100u);
}

TEST_F(EventLogReaders, AStoppedPoolLeavesFindOnTheCallersThread) {
  pool_.Stop();
  const auto events = log_->Find({.since = 0, .service = "odd", .limit = 1000});
  ASSERT_EQ(events.size(), kPoolEvents / 2);
  EXPECT_EQ(events.front().id, 1u);
  EXPECT_EQ(events.back().id, kPoolEvents - 1);
  const auto refused = log_->TryFind({.since = 0});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code_name(), "overloaded");
  EXPECT_TRUE(log_->TryFind({.since = kPoolEvents - 1}).ok());
}

TEST_F(EventLogReaders, PooledAnswersEqualTheCallersThreadAnswers) {
  EventLog inline_log(EventLogOptions{.dir = dir_.path(), .ring_capacity = 64}, clock_);
  const std::vector<EventQuery> queries = {
      {.since = 0},
      {.since = 150, .service = "even", .limit = 7},
      {.service = "odd", .limit = 300},
      {.type = EventType::kTransition},
      {.limit = 1000},
  };
  for (const EventQuery& query : queries) {
    const auto pooled = log_->Find(query);
    const auto direct = inline_log.Find(query);
    ASSERT_EQ(pooled.size(), direct.size());
    for (size_t i = 0; i < pooled.size(); ++i) EXPECT_EQ(pooled[i].id, direct[i].id);
  }
}

}  // namespace
}  // namespace spark
