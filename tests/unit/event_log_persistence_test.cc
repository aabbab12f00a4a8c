// The connectivity log on disk: ids continue across reopen, rotation keeps older events
// queryable in order, torn and corrupt lines are skipped, a failed write stores nothing.
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

ConnectivityEvent Report(const std::string& service, bool ok, const std::string& source = "t") {
  ConnectivityEvent e;
  e.service = service;
  e.type = EventType::kReport;
  e.ok = ok;
  e.source = source;
  return e;
}

class EventLogPersistence : public ::testing::Test {
 protected:
  EventLogOptions Options(size_t ring = 100, uint64_t max_bytes = 1 << 20) {
    EventLogOptions o;
    o.dir = dir_.path();
    o.ring_capacity = ring;
    o.max_file_bytes = max_bytes;
    o.keep_rotated = 3;
    return o;
  }
  test::TempDir dir_;
  SystemClock clock_;
};

TEST_F(EventLogPersistence, IdsStartAtOneAndContinueAfterReopen) {
  {
    EventLog log(Options(), clock_);
    EXPECT_EQ(log.Append(Report("vllm", true)).value().id, 1u);
    EXPECT_EQ(log.Append(Report("vllm", false)).value().id, 2u);
  }
  EventLog log(Options(), clock_);
  EXPECT_EQ(log.last_id(), 2u);
  EXPECT_EQ(log.Append(Report("magpie", true)).value().id, 3u);
  EXPECT_EQ(Ids(log.Find({.since = 0})), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(EventLogPersistence, RotationKeepsOlderEventsQueryableInOrder) {
  {
    EventLog log(Options(/*ring=*/5, /*max_bytes=*/600), clock_);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(log.Append(Report("vllm", i % 2 == 0)).ok());
  }
  EXPECT_TRUE(fs::exists(dir_ / "events.1.jsonl"));
  EXPECT_TRUE(fs::exists(dir_ / "events.3.jsonl"));
  EXPECT_FALSE(fs::exists(dir_ / "events.4.jsonl"));  // keep_rotated = 3
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    EXPECT_LE(fs::file_size(entry.path()), 600u) << entry.path();
  }
  EventLog log(Options(/*ring=*/5, /*max_bytes=*/600), clock_);
  EXPECT_EQ(log.last_id(), 20u);
  // Events older than the ring come from disk, oldest first, without gaps.
  const auto all = log.Find({.since = 0, .limit = 1000});
  ASSERT_FALSE(all.empty());
  for (size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i].id, all[i - 1].id + 1);
  EXPECT_EQ(all.back().id, 20u);
  EXPECT_EQ(Ids(log.Find({.since = 15, .limit = 2})), (std::vector<uint64_t>{16, 17}));
  // Without `since`: the newest `limit`, oldest first.
  EXPECT_EQ(Ids(log.Find({.limit = 3})), (std::vector<uint64_t>{18, 19, 20}));
}

TEST_F(EventLogPersistence, TheFilesTogetherStayWithinTheTotalCap) {
  EventLogOptions options = Options(/*ring=*/5);
  options.LimitTotalBytes(4000);  // events.max_bytes: the active file and 3 rotated ones
  EXPECT_EQ(options.max_file_bytes, 1000u);
  {
    EventLog log(options, clock_);
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(log.Append(Report("vllm", true)).ok());
  }
  uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    if (entry.path().filename().string().rfind("events.", 0) == 0) total += entry.file_size();
  }
  EXPECT_LE(total, 4000u);
  EXPECT_GT(total, 3000u);  // each file fills to within a line of its share
}

TEST_F(EventLogPersistence, TornAndCorruptLinesAreSkippedNotFatal) {
  {
    EventLog log(Options(), clock_);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(log.Append(Report("vllm", true)).ok());
  }
  // A corrupt middle line and a torn last line (a crash in the middle of a write).
  std::string text;
  {
    std::ifstream in(dir_ / "events.jsonl");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto second = text.find('\n') + 1;
  text.insert(second, "{\"id\": garbage\n");
  text += "{\"id\":4,\"ts\":\"2026-11-";
  std::ofstream(dir_ / "events.jsonl", std::ios::trunc) << text;

  EventLog log(Options(), clock_);
  EXPECT_EQ(log.last_id(), 3u);
  EXPECT_EQ(Ids(log.Find({.since = 0})), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(log.Append(Report("vllm", true)).value().id, 4u);
  // The torn tail was cut before the new line, so the file parses line by line again.
  EventLog reopened(Options(), clock_);
  EXPECT_EQ(Ids(reopened.Find({.since = 0})), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST_F(EventLogPersistence, FiltersByServiceAndType) {
  EventLog log(Options(), clock_);
  ASSERT_TRUE(log.Append(Report("vllm", true)).ok());
  ConnectivityEvent transition = Report("parakeet", false, "poller");
  transition.type = EventType::kTransition;
  ASSERT_TRUE(log.Append(transition).ok());
  ASSERT_TRUE(log.Append(Report("parakeet", true)).ok());
  EXPECT_EQ(Ids(log.Find({.service = "parakeet"})), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(Ids(log.Find({.type = EventType::kTransition})), (std::vector<uint64_t>{2}));
  EXPECT_EQ(Ids(log.Find({.since = 1, .service = "parakeet", .type = EventType::kReport})),
            (std::vector<uint64_t>{3}));
  EXPECT_EQ(log.counters().reports, 2u);
  EXPECT_EQ(log.counters().transitions, 1u);
}

TEST_F(EventLogPersistence, AFailedWriteStoresNothingAndIsCounted) {
  // A regular file where the directory should be: every write fails (works as root too).
  std::ofstream(dir_ / "not-a-dir") << "x";
  EventLogOptions options = Options();
  options.dir = dir_ / "not-a-dir";
  EventLog log(options, clock_);
  auto result = log.Append(Report("vllm", true));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kStorageFailed);
  EXPECT_EQ(log.last_id(), 0u);
  EXPECT_TRUE(log.Find({}).empty());
  EXPECT_EQ(log.counters().dropped_disk, 1u);
  EXPECT_EQ(log.counters().reports, 0u);
}

TEST_F(EventLogPersistence, EveryLineIsValidJsonWithTheContractFields) {
  EventLog log(Options(), clock_);
  ConnectivityEvent e = Report("magpie", false, "open-webui");
  e.error = "HTTP 503 \"quoted\"\nnewline";
  e.ms = 420;
  ASSERT_TRUE(log.Append(e).ok());
  std::ifstream in(dir_ / "events.jsonl");
  std::string line;
  std::getline(in, line);
  auto decoded = DecodeEvent(line);
  ASSERT_TRUE(decoded.ok()) << line;
  EXPECT_EQ(decoded->error, e.error);
  EXPECT_EQ(decoded->ms, 420);
  EXPECT_EQ(decoded->source, "open-webui");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST_F(EventLogPersistence, RecoveryEventsKeepActionAndReasonAndAreFilteredAndCounted) {
  {
    EventLog log(Options(/*ring=*/2), clock_);
    ASSERT_TRUE(log.Append(Report("vllm", true)).ok());
    ConnectivityEvent decision = Report("vllm", true, "recovery");
    decision.type = EventType::kRecovery;
    decision.cluster = "lab";
    decision.action = "waiting";
    decision.reason = "vllm_node exited 1 (EngineDeadError); relaunching qwen36 in 30 s";
    ASSERT_TRUE(log.Append(decision).ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(log.Append(Report("vllm", true)).ok());
    EXPECT_EQ(log.counters().recoveries, 1u);
    EXPECT_EQ(log.counters("lab").recoveries, 1u);
    EXPECT_EQ(log.counters().reports, 4u);
  }
  std::ifstream in(dir_ / "events.jsonl");
  std::string line;
  for (int i = 0; i < 2; ++i) std::getline(in, line);
  // The new fields come after `cluster`: the index's quick look reads the line as before.
  EXPECT_TRUE(line.ends_with(
      R"("cluster":"lab","action":"waiting","reason":"vllm_node exited 1 (EngineDeadError); )"
      R"(relaunching qwen36 in 30 s"})"))
      << line;
  EXPECT_EQ(EncodeEvent(DecodeEvent(line).value()), line);
  EXPECT_EQ(EncodeEvent(Report("vllm", true)).find("action"), std::string::npos);
  // Reopened with a ring of two, the filter reads the files.
  EventLog log(Options(/*ring=*/2), clock_);
  const auto found = log.Find({.type = EventType::kRecovery});
  ASSERT_EQ(Ids(found), (std::vector<uint64_t>{2}));
  EXPECT_EQ(found[0].action, "waiting");
  EXPECT_EQ(found[0].cluster, "lab");
  EXPECT_EQ(ParseEventType("recovery"), EventType::kRecovery);
  EXPECT_EQ(EventTypeName(EventType::kRecovery), "recovery");
}

}  // namespace
}  // namespace spark
