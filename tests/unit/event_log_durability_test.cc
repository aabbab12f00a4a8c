// Ids never repeat and no part line survives, whatever state a crash or a bad disk left the
// data dir in: an empty active file after a rotation, a last line longer than any read-back
// window, unreadable lines at the end, a torn line of any length, a short write.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "exporter/event_log.h"
#include "exporter/file_io.h"
#include "support/event_ids.h"
#include "support/process.h"

namespace spark {
namespace {

using test::Ids;

namespace fs = std::filesystem;

ConnectivityEvent Report(std::string error = {}) {
  ConnectivityEvent e;
  e.service = "vllm";
  e.type = EventType::kReport;
  e.ok = error.empty();
  e.source = "durability";
  e.error = std::move(error);
  return e;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void AppendText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

class EventLogDurability : public ::testing::Test {
 protected:
  EventLogOptions Options(uint64_t max_file_bytes = 8 << 20) const {
    return {.dir = dir_.path(),
            .ring_capacity = 100,
            .max_file_bytes = max_file_bytes,
            .keep_rotated = 3};
  }
  // Appends `n` plain reports with a fresh log object (a process that comes and goes).
  void Write(int n, uint64_t max_file_bytes = 8 << 20) {
    EventLog log(Options(max_file_bytes), clock_);
    for (int i = 0; i < n; ++i) ASSERT_TRUE(log.Append(Report()).ok());
  }

  test::TempDir dir_;
  SystemClock clock_;
};

TEST_F(EventLogDurability, IdsContinueWhenTheActiveFileIsEmptyAfterARotation) {
  Write(3);
  // A crash right after the rename of a rotation: the new active file is still empty.
  fs::rename(dir_ / "events.jsonl", dir_ / "events.1.jsonl");
  std::ofstream(dir_ / "events.jsonl").close();
  EventLog log(Options(), clock_);
  EXPECT_EQ(log.last_id(), 3u);
  EXPECT_EQ(log.Append(Report()).value().id, 4u);
  EXPECT_EQ(Ids(log.Find({.since = 0})), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST_F(EventLogDurability, IdsDoNotRepeatAfterALastLineLongerThanAMebibyte) {
  Write(2, /*max_file_bytes=*/1 << 20);
  {
    // Too long for the file it would join: events 1-2 go to events.1.jsonl first.
    EventLog log(Options(1 << 20), clock_);
    ASSERT_EQ(log.Append(Report(std::string(1536 << 10, 'e'))).value().id, 3u);
  }
  ASSERT_TRUE(fs::exists(dir_ / "events.1.jsonl"));
  EventLog log(Options(1 << 20), clock_);
  EXPECT_EQ(log.last_id(), 3u);
  EXPECT_EQ(log.Append(Report()).value().id, 4u);
  EXPECT_EQ(Ids(log.Find({.since = 0, .limit = 10})), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST_F(EventLogDurability, IdsDoNotRepeatWhenTheActiveFileEndsInUnreadableLines) {
  Write(3);
  std::string garbage;
  for (int i = 0; i < 150000; ++i) garbage += "garbage\n";  // 1.2 MB a disk fault left
  AppendText(dir_ / "events.jsonl", garbage);
  EventLog log(Options(), clock_);
  EXPECT_EQ(log.last_id(), 3u);
  EXPECT_EQ(log.Append(Report()).value().id, 4u);
  EXPECT_EQ(Ids(log.Find({.since = 0})), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST_F(EventLogDurability, IdsDoNotRepeatWhenARotatedFileEndsInUnreadableLines) {
  Write(3);
  fs::rename(dir_ / "events.jsonl", dir_ / "events.2.jsonl");
  Write(3);  // ids 4-6
  fs::rename(dir_ / "events.jsonl", dir_ / "events.1.jsonl");
  AppendText(dir_ / "events.1.jsonl", std::string(1200000, 'x') + "\n");
  std::ofstream(dir_ / "events.jsonl").close();
  EventLog log(Options(), clock_);
  EXPECT_EQ(log.last_id(), 6u);
  EXPECT_EQ(log.Append(Report()).value().id, 7u);
}

TEST_F(EventLogDurability, ATornLineOfAnyLengthIsDroppedWhole) {
  Write(3);
  AppendText(dir_ / "events.jsonl", "{\"id\":4,\"ts\":\"" + std::string(1536 << 10, 'x'));
  {
    EventLog log(Options(), clock_);
    EXPECT_EQ(log.last_id(), 3u);
    EXPECT_EQ(log.Append(Report()).value().id, 4u);
  }
  // The file is four whole lines: the new one did not join a part of the torn one.
  const std::string text = Slurp(dir_ / "events.jsonl");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_LT(text.size(), 4096u);
  EventLog log(Options(), clock_);
  EXPECT_EQ(Ids(log.Find({.since = 0})), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(AppendFileDurability, OpenDropsATornTailLongerThanAnyReadWindow) {
  test::TempDir dir;
  const fs::path path = dir / "log.jsonl";
  AppendText(path, "first\n" + std::string(3 << 20, 'x'));
  AppendFile file;
  ASSERT_TRUE(file.Open(path).ok());
  EXPECT_EQ(file.size(), 6u);
  EXPECT_EQ(fs::file_size(path), 6u);
  ASSERT_TRUE(file.Append("second").ok());
  EXPECT_EQ(Slurp(path), "first\nsecond\n");
}

TEST(AppendFileDurability, OpenOfAFileWithoutAnyNewlineEmptiesIt) {
  test::TempDir dir;
  const fs::path path = dir / "log.jsonl";
  AppendText(path, std::string(100, 'x'));
  AppendFile file;
  ASSERT_TRUE(file.Open(path).ok());
  EXPECT_EQ(file.size(), 0u);
  EXPECT_EQ(fs::file_size(path), 0u);
}

TEST(AppendFileDurability, AShortWriteIsRolledBackToTheLastWholeLine) {
  test::TempDir dir;
  const fs::path path = dir / "log.jsonl";
  AppendFile file;
  ASSERT_TRUE(file.Open(path).ok());
  ASSERT_TRUE(file.Append("first").ok());
  // A file size limit makes the kernel write only part of the next line (as a full disk does).
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old;
  limit.rlim_cur = 10;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  const Status failed = file.Append(std::string(100, 'y'));
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(fs::file_size(path), 6u);
  ASSERT_TRUE(file.Append("third").ok());
  EXPECT_EQ(Slurp(path), "first\nthird\n");
}

}  // namespace
}  // namespace spark
