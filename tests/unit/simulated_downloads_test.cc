// The demo's Hugging Face side (web/demo simulated_downloads): the Hub's answers per repo name,
// detached downloads growing on a fake clock, the copy to Spark 2, kill and resume, and the
// caches the scan lists.
#include "demo/simulated_downloads.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "controller/cache_listing.h"
#include "controller/catalog.h"
#include "controller/detached_commands.h"
#include "controller/detached_poll.h"
#include "controller/hf_commands.h"
#include "controller/hub_reply.h"
#include "support/fake_clock.h"

namespace spark {
namespace {

using std::chrono::seconds;

constexpr int64_t kGB = 1000LL * 1000 * 1000;
const std::string kJobDir = "~/.cache/spark-control/jobs/lab/j7";

class HfRulesTest : public ::testing::Test {
 protected:
  HfRulesTest() {
    SimulatedHub hub;
    hub.latency = {};
    AddHfRules(executor_, clock_, hub);
  }

  CollectedOutput Run(const std::string& line, const std::string& spark = "spark1") {
    return RunCollecting(executor_, RemoteCommand{spark, line, seconds(30), {}});
  }
  // The value of `key` in the first line `prefix` starts (key=value words), or "?" when absent.
  std::string Value(const std::vector<std::string>& lines, const std::string& prefix,
                    const std::string& key) {
    for (const auto& line : lines) {
      if (line.rfind(prefix, 0) != 0) continue;
      for (size_t at = line.find(' '); at != std::string::npos; at = line.find(' ', at + 1)) {
        const std::string word = line.substr(at + 1, line.find(' ', at + 1) - at - 1);
        if (word.rfind(key + "=", 0) == 0) return word.substr(key.size() + 1);
        if (prefix.back() == ' ' && word == key) return "";
      }
      if (key.empty()) return line.substr(prefix.size());
    }
    return "?";
  }
  int64_t Space(const std::string& what, const std::string& repo, const std::string& spark) {
    const auto out = Run(": spark-control-space repo=" + repo + "; df …", spark).stdout_lines;
    return std::stoll(Value(out, what + " ", ""));
  }
  std::vector<std::string> Poll(size_t offset = 0) {
    return Run(": spark-control-poll dir=" + kJobDir + " offset=" + std::to_string(offset) +
               " measure=1; tail -c …")
        .stdout_lines;
  }
  void Detach(const std::string& repo, const std::string& copy) {
    const auto out = Run(": spark-control-detach dir=" + kJobDir + "; printf '%s' '" +
                         ": spark-control-download repo=" + repo + " revision=main copy=" + copy +
                         "; hf download " + repo + "' > " + kJobDir + "/script")
                         .stdout_lines;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_NE(Value(out, "spark-control-detached", "pid"), "?");
  }
  // The model line of `repo` in the scan of `spark` (empty when not listed).
  std::string ScanLine(const std::string& repo, const std::string& spark = "spark1") {
    for (const auto& line : Run(": spark-control-cache-scan; du …", spark).stdout_lines) {
      if (line.rfind("model " + repo + " ", 0) == 0) return line;
    }
    return "";
  }

  test::FakeClock clock_;
  SimulatedExecutor executor_{clock_};
};

int64_t HubTotal(const std::vector<std::string>& lines) {
  std::string body;
  for (const auto& line : lines) {
    if (line.rfind("spark-control-", 0) != 0) body += line;
  }
  int64_t total = 0;
  const nlohmann::json hub = nlohmann::json::parse(body);
  for (const auto& file : hub.at("siblings")) total += file.at("size").get<int64_t>();
  return total;
}

TEST_F(HfRulesTest, TheHubAnswersPerRepoName) {
  const auto gated = Run(": spark-control-hub repo=acme/gated-llama revision=main; curl …");
  EXPECT_EQ(gated.stdout_lines[gated.stdout_lines.size() - 2], "spark-control-http 401");
  EXPECT_EQ(gated.stdout_lines.back(), "spark-control-access 401");
  const auto missing = Run(": spark-control-hub repo=acme/missing-model revision=main; curl …");
  EXPECT_EQ(missing.stdout_lines[missing.stdout_lines.size() - 2], "spark-control-http 404");
  const auto huge = Run(": spark-control-hub repo=acme/huge-model revision=main; curl …");
  EXPECT_GT(huge.stdout_lines.size(), 3u) << "a long body arrives in 16 KiB pieces";
  EXPECT_EQ(HubTotal(huge.stdout_lines), 5000 * kGB);
  const auto plain = Run(": spark-control-hub repo=Qwen/Qwen3-0.6B revision=main; curl …");
  EXPECT_EQ(plain.stdout_lines.back(), "spark-control-access 200");
  const int64_t total = HubTotal(plain.stdout_lines);
  EXPECT_GE(total, 2 * kGB);
  EXPECT_LE(total, 41 * kGB);
  EXPECT_EQ(HubTotal(Run(": spark-control-hub repo=Qwen/Qwen3-0.6B revision=main;").stdout_lines),
            total);
  const auto bundled =
      Run(": spark-control-hub repo=RedHatAI/Qwen3.6-35B-A3B-NVFP4 revision=main;");
  EXPECT_NEAR(static_cast<double>(HubTotal(bundled.stdout_lines)), 22e9, 1e9);
}

TEST_F(HfRulesTest, SpaceChecksAnswerFreeBytesAndMemory) {
  EXPECT_NEAR(static_cast<double>(Space("free", "a/b", "spark1")), 3.2e12, 1e9);
  EXPECT_NEAR(static_cast<double>(Space("free", "a/b", "spark2")), 3.1e12, 1e9);
  EXPECT_EQ(Space("memtotal", "a/b", "spark1"), 128 * kGB);
  EXPECT_EQ(Space("have", "a/b", "spark1"), 0);
  EXPECT_EQ(Space("have", "Qwen/Qwen2.5-72B-Instruct", "spark2"), 145'412'198'400);
}

TEST_F(HfRulesTest, ADownloadGrowsOnDiskAndEnds) {
  Detach("acme/tiny-chat", "none");
  const auto first = Poll();
  EXPECT_EQ(Value(first, "spark-control-poll", "alive"), "1");
  EXPECT_EQ(Value(first, "spark-control-poll", "status"), "");
  EXPECT_EQ(first.back(), "spark-control-poll-end");
  clock_.Advance(seconds(3));
  const auto mid = Poll();
  const int64_t bytes = std::stoll(Value(mid, "spark-control-poll", "bytes"));
  EXPECT_GT(bytes, 0);
  EXPECT_EQ(Space("have", "acme/tiny-chat", "spark1"), bytes);
  EXPECT_NE(
      ScanLine("models--acme--tiny-chat").substr(ScanLine("models--acme--tiny-chat").size() - 2),
      " 0")
      << "incomplete while it runs";
  const size_t next = std::stoull(Value(mid, "spark-control-poll", "next"));
  EXPECT_GT(next, 0u);
  EXPECT_NE(mid[1].find("Downloading 'config.json' to '/home/demo/.cache/huggingface/hub/"
                        "models--acme--tiny-chat/blobs/"),
            std::string::npos);
  clock_.Advance(seconds(20));
  const auto last = Poll(next);
  EXPECT_EQ(Value(last, "spark-control-poll", "alive"), "0");
  EXPECT_EQ(Value(last, "spark-control-poll", "status"), "0");
  EXPECT_EQ(last[last.size() - 2], "") << "the chunk ends in a newline: no carry";
  EXPECT_NE(last[last.size() - 3].find("/snapshots/"), std::string::npos);
  EXPECT_EQ(last[1].find("Downloading 'config.json'"), std::string::npos) << "from the offset on";
  const std::string line = ScanLine("models--acme--tiny-chat");
  EXPECT_EQ(line.substr(line.size() - 2), " 0");
  EXPECT_EQ(Run(": spark-control-poll dir=/nowhere offset=0;").stdout_lines,
            std::vector<std::string>{"spark-control-poll gone"});
}

TEST_F(HfRulesTest, ClusterModeCopiesToSpark2) {
  Detach("acme/wide-model", "spark2");
  std::vector<std::string> copying;
  for (int second = 0; second <= 20; ++second) {  // the download phase takes 5-20 s
    copying = Poll();
    if (std::find(copying.begin(), copying.end(), "spark-control-phase copying") != copying.end())
      break;
    EXPECT_EQ(Space("have", "acme/wide-model", "spark2"), 0) << "no copy before the download";
    clock_.Advance(seconds(1));
  }
  EXPECT_NE(std::find(copying.begin(), copying.end(), "spark-control-phase copying"),
            copying.end());
  EXPECT_EQ(Value(copying, "spark-control-poll", "alive"), "1");
  const int64_t total = Space("have", "acme/wide-model", "spark1");
  clock_.Advance(seconds(1));
  const int64_t half = Space("have", "acme/wide-model", "spark2");
  EXPECT_GT(half, 0);
  EXPECT_LT(half, total);
  clock_.Advance(seconds(4));
  EXPECT_EQ(Value(Poll(), "spark-control-poll", "status"), "0");
  EXPECT_EQ(Space("have", "acme/wide-model", "spark2"), total);
  EXPECT_NE(ScanLine("models--acme--wide-model", "spark2"), "");
}

TEST_F(HfRulesTest, KillKeepsThePartialBytesAndTheNextDownloadResumes) {
  Detach("acme/resumable", "none");
  clock_.Advance(seconds(2));
  const auto killed = Run(": spark-control-kill dir=" + kJobDir + "; pkill …").stdout_lines;
  EXPECT_NE(Value(killed, "spark-control-killed", "pid"), "?");
  const auto after = Poll();
  EXPECT_EQ(Value(after, "spark-control-poll", "alive"), "0");
  EXPECT_EQ(Value(after, "spark-control-poll", "status"), "") << "killed: no status file";
  const int64_t partial = Space("have", "acme/resumable", "spark1");
  EXPECT_GT(partial, 0);
  clock_.Advance(seconds(30));
  EXPECT_EQ(Space("have", "acme/resumable", "spark1"), partial) << "nothing grows after a kill";
  const std::string line = ScanLine("models--acme--resumable");
  EXPECT_EQ(line.substr(line.size() - 2), " 1") << "its .incomplete file stays";
  Detach("acme/resumable", "none");
  EXPECT_EQ(std::stoll(Value(Poll(), "spark-control-poll", "bytes")), partial);
  EXPECT_EQ(Run(": spark-control-kill dir=/nowhere;").stdout_lines,
            std::vector<std::string>{"spark-control-killed pid=none"});
}

TEST_F(HfRulesTest, ARepoNamedStallStopsGettingBytesAndWaits) {
  Detach("acme/stall-forever", "none");
  clock_.Advance(seconds(20));
  const int64_t stuck = std::stoll(Value(Poll(), "spark-control-poll", "bytes"));
  EXPECT_GT(stuck, 0);
  clock_.Advance(seconds(600));
  const auto later = Poll();
  EXPECT_EQ(Value(later, "spark-control-poll", "alive"), "1") << "it keeps waiting";
  EXPECT_EQ(std::stoll(Value(later, "spark-control-poll", "bytes")), stuck);
  Run(": spark-control-kill dir=" + kJobDir + ";");
  EXPECT_EQ(Value(Poll(), "spark-control-poll", "alive"), "0");
}

TEST_F(HfRulesTest, TheScanListsTheBundledModelsAndForgetsDeletedOnes) {
  const std::string qwen = ScanLine("models--RedHatAI--Qwen3.6-35B-A3B-NVFP4");
  ASSERT_NE(qwen, "");
  EXPECT_EQ(qwen.rfind("model models--RedHatAI--Qwen3.6-35B-A3B-NVFP4 22317809664 ", 0), 0u);
  EXPECT_EQ(ScanLine("models--RedHatAI--Qwen3.6-35B-A3B-NVFP4", "spark2"), "") << "a solo model";
  EXPECT_NE(ScanLine("models--Qwen--Qwen2.5-72B-Instruct", "spark2"), "");
  const auto scan = Run(": spark-control-cache-scan;").stdout_lines;
  EXPECT_EQ(scan[0], "path /home/demo/.cache/huggingface/hub");
  const int64_t free = Space("free", "x", "spark1");
  const auto deleted =
      Run(": spark-control-cache-delete repo=RedHatAI/Qwen3.6-35B-A3B-NVFP4; rm -rf …");
  EXPECT_EQ(deleted.stdout_lines, std::vector<std::string>{"deleted"});
  EXPECT_EQ(ScanLine("models--RedHatAI--Qwen3.6-35B-A3B-NVFP4"), "");
  EXPECT_EQ(Space("free", "x", "spark1"), free + 22'317'809'664);
}

// The controller's own command lines, read back by its own parsers: what --demo plays.
TEST_F(HfRulesTest, PlaysTheControllersCommandLines) {
  const HfCommands hf{HfSettings{}};
  const std::string repo = "acme/demo-model";
  const auto hub = Run(hf.HubQuery(repo, "main")->line);
  const auto model = ParseHubReply(hub.stdout_lines, hub.outcome.exit_code, repo, "main");
  ASSERT_TRUE(model.ok()) << model.status().message();
  const auto space = ParseCacheSpace(Run(hf.Space(repo)->line).stdout_lines);
  EXPECT_GT(space.free_bytes.value_or(0), *model->total_bytes);
  EXPECT_EQ(space.have_bytes, 0u);
  EXPECT_EQ(space.mem_total, 128 * kGB);

  const std::string dir = *DetachedCommands::JobDir("lab", "j9");
  const CopyTarget copy{"spark2", "192.168.100.11", "demo"};
  const auto script = hf.DownloadScript(repo, std::nullopt, model->sha, copy);
  ASSERT_TRUE(script.ok()) << script.status().message();
  const auto start = Run(DetachedCommands::Start(dir, *script).line);
  EXPECT_TRUE(ParseDetachedStart(start.stdout_lines).ok());
  DetachedLog log;
  std::vector<std::string> lines;
  std::optional<DetachedPoll> last;
  for (int second = 0; second <= 30 && !(last && !last->alive); ++second) {
    const auto out = Run(DetachedCommands::Poll(dir, log.offset(), *hf.BlobsDir(repo)).line);
    const auto poll = ParseDetachedPoll(out.stdout_lines, log.offset());
    ASSERT_TRUE(poll.ok()) << poll.status().message();
    for (auto& line : log.Apply(*poll)) lines.push_back(line);
    last = *poll;
    clock_.Advance(seconds(1));
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->status, 0);
  EXPECT_EQ(last->bytes, model->total_bytes);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "spark-control-phase copying"), lines.end());
  EXPECT_EQ(ParseCacheSpace(Run(hf.Space(repo)->line, "spark2").stdout_lines).have_bytes,
            model->total_bytes);

  const auto scan = ParseCacheScan(Run(hf.CacheScan().line).stdout_lines);
  ASSERT_TRUE(scan.ok());
  const auto listed = std::find_if(scan->models.begin(), scan->models.end(),
                                   [&](const CachedModel& m) { return m.hf_repo == repo; });
  ASSERT_NE(listed, scan->models.end());
  EXPECT_TRUE(listed->complete);
  EXPECT_EQ(listed->revision, model->sha);
  EXPECT_EQ(scan->models.size(), 6u) << "the five bundled models and this one";
  EXPECT_EQ(Run(hf.CacheDelete(repo)->line).stdout_lines, std::vector<std::string>{"deleted"});
  EXPECT_EQ(Run(DetachedCommands::Kill(dir).line).stdout_lines.size(), 1u);
}

TEST(BundledCacheRepos, AreTheBundledCatalogsModels) {
  const YAML::Node catalog = YAML::Load(std::string(BundledCatalogYaml()));
  std::vector<std::pair<std::string, bool>> expected;
  for (const auto& model : catalog["models"]) {
    expected.emplace_back(model["hf_repo"].as<std::string>(),
                          model["mode"].as<std::string>() == "cluster");
  }
  std::vector<std::pair<std::string, bool>> cached;
  for (const auto& repo : BundledCacheRepos()) {
    cached.emplace_back(repo.hf_repo, repo.cluster);
    EXPECT_GT(repo.size_bytes, 10 * kGB) << repo.hf_repo;
  }
  EXPECT_EQ(cached, expected);
}

}  // namespace
}  // namespace spark
