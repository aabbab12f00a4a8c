#pragma once
// The update tests' world (update_test.cc): two Debian OpenSSH servers on loopback are Spark 1
// and Spark 2 (tests/support/sshd.h). Spark 1's spark-vllm-docker checkout is a REAL git clone of
// a bare "upstream" repository on this machine, so `git fetch`, `rev-list` and `pull --ff-only`
// run for real; the test adds commits upstream. The fake build-and-copy.sh and the fake docker
// (tests/testdata/fakes) keep image tags and ids in files, so tagging, inspecting, copying to
// Spark 2 (over the fake ssh into Spark 2's own docker state) and retagging are real state. A
// fake vLLM serves whatever model the fake container runs; the real spark-control binary drives
// it all. Every wait is bounded; processes a test leaves on the Sparks are killed by pid.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "download_fixture.h"  // PidsMentioning
#include "support/eventually.h"
#include "support/fake_vllm.h"
#include "support/http.h"
#include "support/model_names.h"
#include "support/process.h"
#include "support/sshd.h"
#include "support/text_file.h"
#include "two_sparks_fixture.h"

namespace spark::test {

inline constexpr const char* kOldImage =
    "sha256:01d0000000000000000000000000000000000000000000000000000000000001";
inline constexpr const char* kNewImage =
    "sha256:9e90000000000000000000000000000000000000000000000000000000000002";

// Runs git with `args` in `dir` (identity given on the command line); its exit code.
inline int Git(const std::filesystem::path& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/git",
                                   "-C",
                                   dir.string(),
                                   "-c",
                                   "user.name=Upstream",
                                   "-c",
                                   "user.email=upstream@example.invalid",
                                   "-c",
                                   "init.defaultBranch=main"};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess git(argv, {{"GIT_TERMINAL_PROMPT", "0"}, {"LC_ALL", "C"}});
  return git.Wait(20000);
}

class UpdateTest : public TwoSparksTest {
 protected:
  void SetUp() override {
    MakeUpstream();
    SetImage(spark1_, "vllm-node:latest", kOldImage, "2026-11-20T09:15:02.123456789Z");
    SetImage(spark2_, "vllm-node:latest", kOldImage, "2026-11-20T09:15:02.123456789Z");
    spark1_.SetFake("build_id", std::string(kNewImage) + "\n");
    spark1_.SetFake("build_s", "1");
    std::filesystem::create_directories(spark1_.state() / "containers");
    spark1_.SetFake("containers/vllm_node", std::string("vllm\nserve\n") + kQwen36 + "\n");
  }
  void TearDown() override {
    for (const Sshd* spark : {&spark1_, &spark2_}) {
      for (pid_t pid : PidsMentioning(spark->home().parent_path().string() + "/", true)) {
        kill(pid, SIGKILL);
      }
    }
  }

  // upstream.git (bare) seeded with the fake scripts; the checkout becomes its clone.
  void MakeUpstream() {
    const auto seed = spark1_.scratch() / "seed";
    std::filesystem::create_directories(seed);
    for (const char* script : {"launch-cluster.sh", "build-and-copy.sh"}) {
      std::filesystem::copy_file(spark1_.checkout() / script, seed / script);
    }
    std::ofstream(seed / "README.md") << "spark-vllm-docker\n";
    ASSERT_EQ(Git(seed, {"init", "-q"}), 0);
    ASSERT_EQ(Git(seed, {"add", "."}), 0);
    ASSERT_EQ(Git(seed, {"commit", "-q", "-m", "Initial import"}), 0);
    ASSERT_EQ(Git(spark1_.scratch(), {"clone", "-q", "--bare", seed.string(), Upstream()}), 0);
    ASSERT_EQ(Git(seed, {"remote", "add", "origin", Upstream()}), 0);
    ASSERT_EQ(Git(seed, {"fetch", "-q", "origin"}), 0);
    ASSERT_EQ(Git(seed, {"branch", "-q", "--set-upstream-to=origin/main"}), 0);
    std::filesystem::remove_all(spark1_.checkout());
    ASSERT_EQ(Git(spark1_.scratch(), {"clone", "-q", Upstream(), spark1_.checkout().string()}), 0);
  }
  std::string Upstream() const { return (spark1_.scratch() / "upstream.git").string(); }
  // Commits `subjects` upstream, oldest first (each changes a file of its own).
  void CommitUpstream(const std::vector<std::string>& subjects) {
    const auto seed = spark1_.scratch() / "seed";
    for (size_t i = 0; i < subjects.size(); ++i) {
      const std::string file = "recipes/r" + std::to_string(++commits_) + ".yaml";
      std::filesystem::create_directories(seed / "recipes");
      std::ofstream(seed / file) << "name: r" + std::to_string(commits_) + "\n";
      ASSERT_EQ(Git(seed, {"add", file}), 0);
      ASSERT_EQ(Git(seed, {"commit", "-q", "-m", subjects[i]}), 0);
    }
    ASSERT_EQ(Git(seed, {"push", "-q", "origin", "main"}), 0);
  }

  // The fake docker's image file for `tag` on a Spark: "ID CREATED".
  static void SetImage(const Sshd& spark, const std::string& tag, const std::string& id,
                       const std::string& created) {
    std::filesystem::create_directories(spark.state() / "images");
    spark.SetFake("images/" + tag, id + " " + created + "\n");
  }
  // The id a Spark's `tag` names now ("" when it has none).
  static std::string ImageId(const Sshd& spark, const std::string& tag) {
    const std::string text = ReadTrimmedText(spark.state() / "images" / tag);
    return text.substr(0, text.find(' '));
  }

  void StartApp() { StartSparkControl(); }

  // POST /api/update/check: the refreshed document (status 200 asserted).
  json Check() {
    const Reply r = Http("POST", Url("/api/update/check"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body) : json::object();
  }
  json Document() { return json::parse(Get(Url("/api/update")).body); }
  // POST `path` that must be accepted; the job id.
  std::string StartJob(const std::string& path) {
    const Reply r = Http("POST", Url(path));
    EXPECT_EQ(r.status, 202) << path << ": " << r.body;
    return r.status == 202 ? json::parse(r.body)["job"]["id"].get<std::string>() : "";
  }
  // Waits until the job runs in `phase` (bounded).
  bool WaitPhase(const std::string& id, const std::string& phase) {
    return Eventually(
        [&] {
          const json job = Job(id);
          return job.value("state", "") == "running" && job["progress"].value("phase", "") == phase;
        },
        std::chrono::seconds(20));
  }

  int commits_ = 0;
};

}  // namespace spark::test
