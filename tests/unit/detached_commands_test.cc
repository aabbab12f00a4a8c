// The detached-work command lines run for real under the local bash (HOME in a temp dir), as
// sshd would run them on a Spark: the script outlives the command that started it, records its
// pid and exit status, the poll returns the log in chunks with the carry, and the kill ends the
// script's whole session. Plus the allow-lists of the download commands against hostile input.
#include "controller/detached_commands.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "controller/hf_commands.h"
#include "controller/shell_quote.h"
#include "support/process.h"

namespace spark {
namespace {

// Runs `line` with bash as a login shell would (HOME = `home`); its stdout lines.
std::vector<std::string> RunLocally(const std::string& home, const std::string& line) {
  const std::string command = "HOME=" + ShellQuote(home) + " bash -c " + ShellQuote(line);
  std::vector<std::string> lines;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return lines;
  std::string current;
  for (int c = fgetc(pipe); c != EOF; c = fgetc(pipe)) {
    if (c == '\n') {
      lines.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(c);
    }
  }
  if (!current.empty()) lines.push_back(current);
  pclose(pipe);
  return lines;
}

long StartedPid(const std::vector<std::string>& lines) {
  const std::string prefix = "spark-control-detached pid=";
  for (const auto& line : lines) {
    if (line.starts_with(prefix)) return std::stol(line.substr(prefix.size()));
  }
  return 0;
}

// Polls (bounded) until the state line shows an exit status; the last reply.
std::vector<std::string> PollUntilEnded(const std::string& home, const std::string& dir,
                                        uint64_t offset) {
  std::vector<std::string> reply;
  for (int i = 0; i < 100; ++i) {
    reply = RunLocally(home, DetachedCommands::Poll(dir, offset, std::nullopt).line);
    if (!reply.empty() && reply[0].find("alive=0 status=") != std::string::npos &&
        reply[0].find("status= ") == std::string::npos) {
      return reply;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return reply;
}

TEST(DetachedCommands, TheScriptRunsToItsEndAndLeavesItsStatusAndLog) {
  test::TempDir home;
  const auto dir = DetachedCommands::JobDir("lab", "j7");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(*dir, "~/.cache/spark-control/jobs/lab/j7");
  const auto started =
      RunLocally(home.path(), DetachedCommands::Start(*dir,
                                                      "echo one; printf 'two\\rthree\\n'; "
                                                      "printf 'four'; exit 7")
                                  .line);
  ASSERT_GT(StartedPid(started), 1) << testing::PrintToString(started);
  const auto reply = PollUntilEnded(home.path(), *dir, 0);
  ASSERT_GE(reply.size(), 3u);
  EXPECT_EQ(reply[0], "spark-control-poll alive=0 status=7 size=18 next=18 bytes=");
  // The chunk with \r as \n, then the carry (the unterminated "four"), then the end line.
  const std::vector<std::string> expected = {reply[0], "one",  "two",
                                             "three",  "four", "spark-control-poll-end"};
  EXPECT_EQ(reply, expected);
  // From an offset inside the log: only the rest.
  const auto rest = RunLocally(home.path(), DetachedCommands::Poll(*dir, 10, std::nullopt).line);
  const std::vector<std::string> tail = {
      "spark-control-poll alive=0 status=7 size=18 next=18 bytes=", "ree", "four",
      "spark-control-poll-end"};
  EXPECT_EQ(rest, tail);
}

TEST(DetachedCommands, AChunkEndingInANewlineLeavesAnEmptyCarryAndMeasureAddsBytes) {
  test::TempDir home;
  std::filesystem::create_directories(home.path() / "blobs");
  {
    std::FILE* f = std::fopen((home.path() / "blobs/a.incomplete").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(std::string(1000, 'x').c_str(), f);
    std::fclose(f);
  }
  const std::string dir = "~/.cache/spark-control/jobs/lab/j8";
  ASSERT_GT(StartedPid(RunLocally(home.path(), DetachedCommands::Start(dir, "echo done").line)), 1);
  PollUntilEnded(home.path(), dir, 0);
  const auto reply = RunLocally(home.path(), DetachedCommands::Poll(dir, 0, "~/blobs").line);
  const std::vector<std::string> expected = {
      "spark-control-poll alive=0 status=0 size=5 next=5 bytes=1000", "done", "",
      "spark-control-poll-end"};
  EXPECT_EQ(reply, expected);
}

TEST(DetachedCommands, KillEndsTheWholeSessionAndAMissingDirIsGone) {
  test::TempDir home;
  const std::string dir = "~/.cache/spark-control/jobs/lab/j9";
  // The body starts a child of its own: the kill must take it too.
  const long pid = StartedPid(
      RunLocally(home.path(), DetachedCommands::Start(dir, "sleep 30 & sleep 30; wait").line));
  ASSERT_GT(pid, 1);
  auto running = RunLocally(home.path(), DetachedCommands::Poll(dir, 0, std::nullopt).line);
  ASSERT_FALSE(running.empty());
  EXPECT_TRUE(running[0].starts_with("spark-control-poll alive=1 status= ")) << running[0];
  const auto killed = RunLocally(home.path(), DetachedCommands::Kill(dir).line);
  ASSERT_FALSE(killed.empty());
  EXPECT_EQ(killed.back(), "spark-control-killed pid=" + std::to_string(pid));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    const auto left = RunLocally(home.path(), "pgrep -s " + std::to_string(pid) + " | wc -l");
    gone = !left.empty() && left[0] == "0";
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "processes of session " << pid << " survived the kill";
  const auto reply = RunLocally(
      home.path(), DetachedCommands::Poll("~/.cache/spark-control/jobs/lab/j10", 0, {}).line);
  EXPECT_EQ(reply, std::vector<std::string>{"spark-control-poll gone"});
}

TEST(DetachedCommands, AStartRemovesFinishedJobDirsOlderThanAWeekAndKeepsTheRest) {
  test::TempDir home;
  const auto jobs = home.path() / ".cache/spark-control/jobs/lab";
  auto job_dir = [&](const std::string& id, const char* status, const char* age) {
    std::filesystem::create_directories(jobs / id);
    if (status != nullptr) {
      RunLocally(home.path(), "echo 0 > ~/.cache/spark-control/jobs/lab/" + id + "/status && " +
                                  "touch -d '" + age + "' ~/.cache/spark-control/jobs/lab/" + id +
                                  "/status");
    }
  };
  job_dir("j1", "0", "10 days ago");  // finished long ago: removed
  job_dir("j2", "0", "2 days ago");   // finished lately: its log stays for a look
  job_dir("j3", nullptr, "");         // still running (no status): never touched
  ASSERT_GT(
      StartedPid(RunLocally(
          home.path(), DetachedCommands::Start("~/.cache/spark-control/jobs/lab/j4", "true").line)),
      1);
  EXPECT_FALSE(std::filesystem::exists(jobs / "j1"));
  EXPECT_TRUE(std::filesystem::exists(jobs / "j2"));
  EXPECT_TRUE(std::filesystem::exists(jobs / "j3"));
  EXPECT_TRUE(std::filesystem::exists(jobs / "j4/script"));
}

TEST(DetachedCommands, JobDirsTakeOnlySafeWords) {
  EXPECT_FALSE(DetachedCommands::JobDir("lab", "../x").ok());
  EXPECT_FALSE(DetachedCommands::JobDir("a b", "j1").ok());
  EXPECT_FALSE(DetachedCommands::JobDir("", "j1").ok());
}

TEST(HfCommands, HostileReposAndRevisionsAreRefusedNamingTheField) {
  const HfCommands hf{HfSettings{}};
  for (const std::string repo : {"x$(touch /tmp/p)", "../..", "--help", "a;reboot", "o/n'x"}) {
    const auto space = hf.Space(repo);
    ASSERT_FALSE(space.ok()) << repo;
    EXPECT_EQ(space.status().field(), "hf_repo");
    EXPECT_FALSE(hf.CacheDelete(repo).ok()) << repo;
    EXPECT_FALSE(hf.DownloadScript(repo, std::nullopt, "abc", std::nullopt).ok()) << repo;
  }
  for (const std::string revision : {"../..", "--help", "x$(id)", "a b", "/etc", ""}) {
    const auto query = hf.HubQuery("org/name", revision);
    ASSERT_FALSE(query.ok()) << revision;
    EXPECT_EQ(query.status().field(), "revision");
  }
  EXPECT_TRUE(hf.HubQuery("org/name", "refs/pr/1").ok());
  const auto copy = CopyTarget{"spark2", "10.0.0.2", std::string("root;id")};
  EXPECT_FALSE(hf.DownloadScript("org/name", std::nullopt, "abc", copy).ok());
}

TEST(HfCommands, LinesStartWithTheirMarkerAndKeepTheTokenOffTheCommandLine) {
  const HfCommands hf{HfSettings{}};
  const auto query = hf.HubQuery("org/name", "refs/pr/1");
  ASSERT_TRUE(query.ok());
  EXPECT_TRUE(query->line.starts_with(": spark-control-hub repo=org/name revision=refs/pr/1; "));
  EXPECT_NE(query->line.find("/api/models/org/name/revision/refs%2Fpr%2F1?blobs=true"),
            std::string::npos);
  EXPECT_NE(query->line.find("curl -sS -K -"), std::string::npos);
  EXPECT_TRUE(hf.CacheScan().line.starts_with(": spark-control-cache-scan; "));
  const auto script = hf.DownloadScript("org/name", std::nullopt, "abc123",
                                        CopyTarget{"spark2", "10.0.0.2", "ubuntu"});
  ASSERT_TRUE(script.ok());
  EXPECT_TRUE(
      script->starts_with(": spark-control-download repo=org/name revision=main "
                          "copy=spark2\n"));
  EXPECT_NE(script->find("ubuntu@10.0.0.2:.cache/huggingface/hub/models--org--name/"),
            std::string::npos);
}

}  // namespace
}  // namespace spark
