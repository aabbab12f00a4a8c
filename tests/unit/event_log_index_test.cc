// The indexed connectivity log with many events over rotated files: `since` at any position,
// service and type filters, limits, both for files indexed while written and for files
// indexed after a restart; and the cheap look at a line that filters use before decoding.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "exporter/event_log.h"
#include "support/event_ids.h"
#include "support/process.h"

namespace spark {
namespace {

using test::Ids;

namespace fs = std::filesystem;

constexpr uint64_t kEvents = 3000;

// Event `id` is a report of service "common", except every 500th (a transition of "rare").
ConnectivityEvent Numbered(uint64_t id) {
  ConnectivityEvent e;
  const bool rare = id % 500 == 0;
  e.service = rare ? "rare" : "common";
  e.type = rare ? EventType::kTransition : EventType::kReport;
  e.ok = id % 2 == 0;
  e.source = "client-" + std::to_string(id % 7);
  return e;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> ids;
  for (uint64_t id = first; id <= last; ++id) ids.push_back(id);
  return ids;
}

class EventLogIndex : public ::testing::TestWithParam<bool> {
 protected:
  EventLogOptions Options() const {
    EventLogOptions o;
    o.dir = dir_.path();
    o.ring_capacity = 64;         // most queries go to the files
    o.max_file_bytes = 48 << 10;  // about 390 events a file: 8 files
    o.keep_rotated = 10;          // keep them all
    return o;
  }
  // The log after kEvents appends: the writer itself (live index), or a fresh process's view
  // of the same files (indexed when first read) when the parameter is true.
  EventLog& Log() {
    if (!writer_) {
      writer_ = std::make_unique<EventLog>(Options(), clock_);
      for (uint64_t id = 1; id <= kEvents; ++id) {
        EXPECT_EQ(writer_->Append(Numbered(id)).value().id, id);
      }
      if (GetParam()) {
        writer_.reset();
        writer_ = std::make_unique<EventLog>(Options(), clock_);
      }
    }
    return *writer_;
  }

  test::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<EventLog> writer_;
};

TEST_P(EventLogIndex, EventsSpanManyFiles) {
  EXPECT_EQ(Log().last_id(), kEvents);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    ++files;
    EXPECT_LE(fs::file_size(entry.path()), Options().max_file_bytes) << entry.path();
  }
  EXPECT_GE(files, 6u);
  EXPECT_FALSE(fs::exists(dir_ / "events.10.jsonl"));
}

TEST_P(EventLogIndex, SinceAtAnyPositionReturnsTheNextEventsInOrder) {
  EventLog& log = Log();
  for (uint64_t since = 0; since <= kEvents; since += 37) {
    EXPECT_EQ(Ids(log.Find({.since = since, .limit = 100})),
              Range(since + 1, std::min(since + 100, kEvents)))
        << "since=" << since;
  }
  // Around block (64 lines) edges, and the very end.
  for (uint64_t since : {63u, 64u, 65u, 127u, 128u, 2998u, 2999u, 3000u, 5000u}) {
    EXPECT_EQ(Ids(log.Find({.since = since, .limit = 3})),
              Range(since + 1, std::min<uint64_t>(since + 3, kEvents)))
        << "since=" << since;
  }
}

TEST_P(EventLogIndex, ReplayInPagesSeesEveryEventOnce) {
  EventLog& log = Log();
  uint64_t last = 0;
  std::vector<uint64_t> seen;
  for (int page = 0; page < 10; ++page) {
    const auto events = log.Find({.since = last, .limit = 1000});
    if (events.empty()) break;
    for (const auto& e : events) seen.push_back(e.id);
    last = events.back().id;
  }
  EXPECT_EQ(seen, Range(1, kEvents));
}

TEST_P(EventLogIndex, TheNewestComeOldestFirstAcrossFiles) {
  EventLog& log = Log();
  EXPECT_EQ(Ids(log.Find({.limit = 1})), Range(kEvents, kEvents));
  EXPECT_EQ(Ids(log.Find({.limit = 700})), Range(kEvents - 699, kEvents));
  const auto all = log.Find({.limit = 5000});
  EXPECT_EQ(Ids(all), Range(1, kEvents));
}

TEST_P(EventLogIndex, FiltersFindRareEventsAnywhere) {
  EventLog& log = Log();
  const std::vector<uint64_t> rare = {500, 1000, 1500, 2000, 2500, 3000};
  EXPECT_EQ(Ids(log.Find({.since = 0, .service = "rare", .limit = 1000})), rare);
  EXPECT_EQ(Ids(log.Find({.since = 1000, .service = "rare", .limit = 2})),
            (std::vector<uint64_t>{1500, 2000}));
  EXPECT_EQ(Ids(log.Find({.service = "rare", .limit = 2})), (std::vector<uint64_t>{2500, 3000}));
  EXPECT_EQ(Ids(log.Find({.type = EventType::kTransition, .limit = 1000})), rare);
  EXPECT_EQ(Ids(log.Find({.service = "common", .type = EventType::kTransition})),
            std::vector<uint64_t>{});
  EXPECT_EQ(Ids(log.Find({.since = 2990, .service = "common", .type = EventType::kReport})),
            (std::vector<uint64_t>{2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999}));
  for (const auto& e : log.Find({.since = 0, .service = "rare", .limit = 1000})) {
    EXPECT_EQ(e.service, "rare");
    EXPECT_EQ(e.type, EventType::kTransition);
    EXPECT_EQ(e.source, "client-" + std::to_string(e.id % 7));
  }
}

TEST_P(EventLogIndex, AServiceNoEventHasFindsNothing) {
  EventLog& log = Log();
  EXPECT_TRUE(log.Find({.service = "zzz", .limit = 1000}).empty());
  EXPECT_TRUE(log.Find({.since = 0, .service = "zzz", .limit = 1000}).empty());
  EXPECT_TRUE(log.Find({.since = 0, .service = "com", .limit = 1000}).empty());
  EXPECT_TRUE(log.Find({.since = 0, .service = "a\"b\\c", .limit = 1000}).empty());
}

INSTANTIATE_TEST_SUITE_P(WrittenAndReopened, EventLogIndex, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "Reopened" : "Written"; });

TEST(EventLogLines, PeekReadsTheFieldsWeWriteWithoutDecoding) {
  ConnectivityEvent e = Numbered(42);
  e.id = 42;
  e.service = "parakeet";
  const std::string line = EncodeEvent(e);
  const auto key = PeekEventLine(line);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->id, 42u);
  EXPECT_EQ(key->service, "parakeet");
  EXPECT_TRUE(key->plain_service);
  EXPECT_EQ(key->type, EventType::kReport);

  e.service = "quote\"d";
  const std::string escaped_line = EncodeEvent(e);
  const auto escaped = PeekEventLine(escaped_line);
  ASSERT_TRUE(escaped.has_value());
  EXPECT_FALSE(escaped->plain_service);
  EXPECT_TRUE((EventFilter{"quote\"d", {}}.MayMatch(*escaped)));  // decoding decides

  for (const char* malformed :
       {"", "{\"id\":0,\"ts\":\"x\",\"service\":\"a\",\"type\":\"report\"", "{\"id\": 1}",
        "{\"id\":1,\"ts\":\"x\",\"service\":\"a\",\"type\":\"nope\"",
        "{\"id\":1,\"ts\":\"x\",\"service\":\"a"}) {
    EXPECT_FALSE(PeekEventLine(malformed).has_value()) << malformed;
  }
}

TEST(EventLogLines, LinesWrittenByHandAreStillFoundThroughDecoding) {
  test::TempDir dir;
  // Another key order (no cheap look possible), a torn end, and a line that is no event.
  std::ofstream(dir / "events.1.jsonl")
      << R"({"ts":"2026-11-24T12:00:00.000Z","id":1,"type":"report","service":"vllm","ok":true})"
      << "\nnot an event\n"
      << R"({"id":2,"ts":"2026-11-24T12:00:01.000Z","service":"vllm","type":"report","ok":false})"
      << "\n{\"id\":3,\"ts\":\"2026";
  SystemClock clock;
  EventLog log({.dir = dir.path(), .ring_capacity = 1}, clock);
  EXPECT_EQ(log.last_id(), 2u);
  EXPECT_EQ(Ids(log.Find({.since = 0, .service = "vllm"})), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Ids(log.Find({.service = "vllm"})), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(log.Append(Numbered(3)).value().id, 3u);
  EXPECT_EQ(Ids(log.Find({.since = 1})), (std::vector<uint64_t>{2, 3}));
}

}  // namespace
}  // namespace spark
