// Every file read is bounded and regular-file only: /dev/zero, a FIFO, a directory or an
// oversized file are refused at once with a message naming the path (and the limit), never
// read without end and never waited on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "exporter/file_io.h"
#include "support/process.h"

namespace spark {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(FileRead, DevZeroIsRefusedAtOnceNamingThePath) {
  const auto start = steady_clock::now();
  const auto text = ReadFile("/dev/zero");
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), ErrorCode::kInvalidFile);
  EXPECT_TRUE(Contains(text.status().message(), "/dev/zero")) << text.status().message();
  EXPECT_TRUE(Contains(text.status().message(), "character device")) << text.status().message();
  EXPECT_EQ(CheckRegularFile("/dev/zero").code(), ErrorCode::kInvalidFile);
}

// A FIFO with no writer blocks a plain open() forever, and with a writer that stays a read
// never ends. ReadFile must answer without waiting. If it does block (the old code), the test
// fails and then unblocks it by opening and closing the write end, so it ends either way.
TEST(FileRead, AFifoDoesNotBlock) {
  test::TempDir dir;
  const fs::path fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reading = std::async(std::launch::async, [&] { return ReadFile(fifo); });
  const bool answered = reading.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  EXPECT_TRUE(answered) << "ReadFile blocked on a FIFO";
  for (int i = 0; !answered && i < 500; ++i) {
    if (reading.wait_for(std::chrono::milliseconds(10)) == std::future_status::ready) break;
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // ENXIO until a reader opened
    if (fd >= 0) ::close(fd);
  }
  const auto text = reading.get();
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), ErrorCode::kInvalidFile);
  EXPECT_TRUE(Contains(text.status().message(), fifo.string())) << text.status().message();
  EXPECT_TRUE(Contains(text.status().message(), "FIFO")) << text.status().message();
}

TEST(FileRead, AFileOverTheCapIsRefusedNamingTheLimit) {
  test::TempDir dir;
  std::ofstream(dir / "big") << std::string(2000, 'x');
  const auto text = ReadFile(dir / "big", 1000);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), ErrorCode::kInvalidFile);
  EXPECT_TRUE(Contains(text.status().message(), (dir / "big").string()));
  EXPECT_TRUE(Contains(text.status().message(), "1000-byte limit")) << text.status().message();
  EXPECT_EQ(ReadFile(dir / "big", 2000).value().size(), 2000u);
  EXPECT_EQ(CheckRegularFile(dir / "big", 1999).code(), ErrorCode::kInvalidFile);
  EXPECT_TRUE(CheckRegularFile(dir / "big", 2000).ok());
}

TEST(FileRead, DirectoriesAreRefusedMissingFilesAreNotFoundSymlinksAreFollowed) {
  test::TempDir dir;
  EXPECT_EQ(ReadFile(dir.path()).status().code(), ErrorCode::kInvalidFile);
  EXPECT_EQ(ReadFile(dir / "missing").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ReadFile(dir / "missing" / "deeper").status().code(), ErrorCode::kNotFound);
  std::ofstream(dir / "key") << "secret\n";
  fs::create_symlink(dir / "key", dir / "link");
  EXPECT_EQ(ReadFile(dir / "link").value(), "secret\n");
  fs::create_symlink("/dev/zero", dir / "zero-link");
  EXPECT_EQ(ReadFile(dir / "zero-link").status().code(), ErrorCode::kInvalidFile);
}

TEST(FileRead, ALargeFileWithinTheDefaultCapReadsWhole) {
  test::TempDir dir;
  const std::string data(3 << 20, 'y');
  std::ofstream(dir / "catalog.yaml") << data;
  EXPECT_EQ(ReadFile(dir / "catalog.yaml").value(), data);
}

TEST(RotateLogFiles, ShiftsTheFilesAndDropsTheOldest) {
  test::TempDir dir;
  for (int round = 0; round < 5; ++round) {
    std::ofstream(dir / "audit.jsonl") << round << "\n";
    RotateLogFiles(dir.path(), "audit", 3);
  }
  EXPECT_FALSE(fs::exists(dir / "audit.jsonl"));
  EXPECT_EQ(ReadFile(dir / "audit.1.jsonl").value(), "4\n");
  EXPECT_EQ(ReadFile(dir / "audit.3.jsonl").value(), "2\n");
  EXPECT_FALSE(fs::exists(dir / "audit.4.jsonl"));
}

}  // namespace
}  // namespace spark
