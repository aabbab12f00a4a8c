// The download command lines (detached_commands.h, hf_commands.h) run for real under the local
// bash with HOME in a temp dir, their stdout split as the executor splits it (LineSplitter),
// and read back by the parsers: what the commands print is what the parsers read.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "controller/cache_listing.h"
#include "controller/detached_commands.h"
#include "controller/detached_poll.h"
#include "controller/hf_commands.h"
#include "controller/hub_reply.h"
#include "controller/remote_executor.h"
#include "controller/shell_quote.h"
#include "support/process.h"

namespace spark {
namespace {

namespace fs = std::filesystem;

struct BashOutput {
  std::vector<std::string> lines;  // as the executor delivers them
  int exit_code = -1;
};

BashOutput RunUnderBash(const fs::path& home, const std::string& line) {
  const std::string command = "HOME=" + ShellQuote(home.string()) + " bash -c " + ShellQuote(line);
  BashOutput out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  LineSplitter splitter;
  const auto keep = [&out](std::string_view piece) { out.lines.emplace_back(piece); };
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    splitter.Feed(std::string_view(buffer, n), keep);
  }
  splitter.Flush(keep);
  const int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A job directory as a finished detached script leaves it (its pid long gone).
fs::path EndedJob(const fs::path& home, const std::string& log) {
  const fs::path dir = home / ".cache/spark-control/jobs/lab/j1";
  WriteFile(dir / "log", log);
  WriteFile(dir / "pid", "2147483000\n");
  WriteFile(dir / "status", "0\n");
  return dir;
}

TEST(DownloadOutput, PollsReassembleALogLongerThanAChunkLineForLine) {
  test::TempDir home;
  std::string log;
  std::vector<std::string> expected;
  for (int i = 0; i < 4000; ++i) {
    const std::string line = "model-0000" + std::to_string(i % 7) +
                             ".safetensors: " + std::to_string(i) + " of 4000 " +
                             std::string(i % 50, '#');
    log += line + (i % 3 == 0 ? "\r" : "\n");
    expected.push_back(line);
  }
  log += "Download complete";  // no newline: held until Flush
  EndedJob(home.path(), log);
  DetachedLog reader;
  std::vector<std::string> got;
  for (int poll = 0; poll < 20; ++poll) {
    const auto out = RunUnderBash(
        home.path(),
        DetachedCommands::Poll("~/.cache/spark-control/jobs/lab/j1", reader.offset(), {}).line);
    const auto parsed = ParseDetachedPoll(out.lines, reader.offset());
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_FALSE(parsed->alive);
    EXPECT_EQ(parsed->status, 0);
    EXPECT_EQ(parsed->size, log.size());
    for (std::string& line : reader.Apply(*parsed)) got.push_back(std::move(line));
    if (reader.offset() == log.size()) break;
  }
  EXPECT_GT(log.size(), 3 * DetachedCommands::kChunkBytes);
  EXPECT_EQ(reader.offset(), log.size());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(reader.Flush(), "Download complete");
}

TEST(DownloadOutput, AStartedScriptGivesItsPidAMeasuredPollItsBytesAMissingDirGone) {
  test::TempDir home;
  WriteFile(home.path() / "hf/hub/models--acme--tiny/blobs/aa.incomplete", std::string(700, 'x'));
  const std::string dir = "~/.cache/spark-control/jobs/lab/j2";
  const auto started = RunUnderBash(home.path(), DetachedCommands::Start(dir, "echo hi").line);
  const auto pid = ParseDetachedStart(started.lines);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  EXPECT_GT(*pid, 1);
  const auto measured = RunUnderBash(
      home.path(), DetachedCommands::Poll(dir, 0, "~/hf/hub/models--acme--tiny/blobs").line);
  const auto poll = ParseDetachedPoll(measured.lines, 0);
  ASSERT_TRUE(poll.ok()) << poll.status().message();
  EXPECT_EQ(poll->bytes, 700u);
  const auto gone = RunUnderBash(
      home.path(), DetachedCommands::Poll("~/.cache/spark-control/jobs/lab/j3", 0, {}).line);
  const auto missing = ParseDetachedPoll(gone.lines, 0);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->gone);
}

TEST(DownloadOutput, TheCacheScanAndSpaceCheckReadBackTheCache) {
  test::TempDir home;
  const fs::path hub = home.path() / ".cache/huggingface/hub";
  const std::string sha = "3f2a9c1d7e5b4a6f8091a2b3c4d5e6f708192a3b";
  WriteFile(hub / "models--acme--tiny/blobs/aa", std::string(1000, 'a'));
  WriteFile(hub / "models--acme--tiny/blobs/bb.incomplete", std::string(500, 'b'));
  WriteFile(hub / "models--acme--tiny/refs/main", sha);
  fs::create_directories(hub / "models--acme--tiny/snapshots" / sha);
  WriteFile(hub / "models--gpt2/blobs/cc", std::string(300, 'c'));
  fs::create_directories(hub / "models--gpt2/snapshots/0123abcd");
  WriteFile(hub / "datasets--acme--data/blobs/dd", "d");
  const HfCommands hf{HfSettings{}};
  const auto scanned = RunUnderBash(home.path(), hf.CacheScan().line);
  const auto scan = ParseCacheScan(scanned.lines);
  ASSERT_TRUE(scan.ok()) << scan.status().message();
  EXPECT_EQ(scan->path, fs::canonical(hub).string());
  EXPECT_GT(scan->free_bytes.value_or(0), 0u);
  ASSERT_EQ(scan->models.size(), 2u);
  EXPECT_EQ(scan->models[0].hf_repo, "acme/tiny");
  EXPECT_EQ(scan->models[0].revision, sha);
  EXPECT_GE(scan->models[0].size_bytes, 1500u);
  EXPECT_FALSE(scan->models[0].complete);
  EXPECT_GT(scan->models[0].modified, WallTime(std::chrono::seconds(1600000000)));
  EXPECT_EQ(scan->models[1].hf_repo, "gpt2");
  EXPECT_EQ(scan->models[1].revision, "0123abcd");
  EXPECT_TRUE(scan->models[1].complete);
  const auto space_line = hf.Space("acme/tiny");
  ASSERT_TRUE(space_line.ok());
  const CacheSpace space = ParseCacheSpace(RunUnderBash(home.path(), space_line->line).lines);
  EXPECT_EQ(space.have_bytes, 1500u);
  EXPECT_GT(space.free_bytes.value_or(0), 0u);
  EXPECT_GT(space.mem_total.value_or(0), 0u);
}

TEST(DownloadOutput, AHubQueryThatReachesNoHubSaysSo) {
  test::TempDir home;
  HfSettings settings;
  settings.hf_endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  const auto query = HfCommands(settings).HubQuery("acme/tiny", "main");
  ASSERT_TRUE(query.ok());
  const auto out = RunUnderBash(home.path(), query->line);
  const auto model = ParseHubReply(out.lines, out.exit_code, "acme/tiny", "main");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_EQ(model.status().message(), "the Spark could not reach the Hub (curl exited with 7)");
}

}  // namespace
}  // namespace spark
