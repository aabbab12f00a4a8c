// Self-healing end to end: the real spark-control binary, Debian's OpenSSH server on loopback
// with the fake launch-cluster.sh and docker of tests/testdata/fakes (containers that end are
// kept with their exit code, OOM flag and end time, as the daemon keeps them), and a fake vLLM
// that serves while the fake container runs. The backoff is 0 s so no test waits on it; every
// wait is bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "swap_fixture.h"

namespace spark::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class RecoveryTest : public SwapTest {
 protected:
  static constexpr const char* kRecovery =
      "recovery: {backoff_s: [0], max_failures: 3, window_s: 1800}\n";

  // A served model, as a user's swap left it.
  void Serving(const std::string& model) {
    StartApp(kRecovery);
    TrustHost();
    ASSERT_EQ(WaitJob(Swap(model))["state"], "succeeded");
  }
  // The container ends as the daemon records it; the fake vLLM stops answering.
  void EndContainer(const std::string& state_line) {
    std::filesystem::create_directories(sshd_.state() / "exited");
    std::filesystem::rename(sshd_.state() / "containers/vllm_node",
                            sshd_.state() / "exited/vllm_node");
    sshd_.SetFake("exited/vllm_node.state", state_line + "\n");
  }
  static std::string Now() {
    char text[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return text;
  }
  json Recovery(const std::string& service = "vllm") {
    return json::parse(Get(Url("/api/status")).body)["recovery"][service];
  }
  // Jobs with trigger `recovery`, newest first.
  std::vector<json> RecoveryJobs() {
    std::vector<json> found;
    const json jobs = json::parse(Get(Url("/api/jobs")).body);
    for (const json& job : jobs["jobs"]) {
      if (job.value("trigger", "") == "recovery") found.push_back(job);
    }
    return found;
  }
  // Waits (bounded) until `count` recovery jobs exist and the newest has ended; returns it.
  json WaitRecoveryJobs(size_t count, seconds max = seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + max;
    while (std::chrono::steady_clock::now() < until) {
      const std::vector<json> jobs = RecoveryJobs();
      if (jobs.size() >= count && jobs.front().value("state", "") != "running" &&
          jobs.front().value("state", "") != "queued") {
        return jobs.front();
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << "no " << count << " ended recovery jobs: " << Get(Url("/api/jobs")).body
                  << "\nrecovery: " << Recovery().dump()
                  << "\nevents: " << Get(Url("/api/events?limit=30")).body;
    return json();
  }
  // The recovery events' actions, oldest first.
  std::vector<std::string> Actions() {
    std::vector<std::string> actions;
    const json events = json::parse(Get(Url("/api/events?type=recovery&limit=1000")).body);
    for (const json& event : events["events"]) actions.push_back(event.value("action", ""));
    return actions;
  }
  // Waits (bounded) until the vLLM recovery state is `state`.
  json WaitState(const std::string& state, seconds max = seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + max;
    json now;
    while (std::chrono::steady_clock::now() < until) {
      now = Recovery();
      if (now.value("state", "") == state) return now;
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << "recovery never " << state << ": " << now.dump();
    return now;
  }
  // The value of the exposition line of `family` holding every label pair; -1 when absent.
  double Series(const std::string& family, const std::vector<std::string>& labels) {
    std::istringstream in(Get(Url("/metrics")).body);
    for (std::string line; std::getline(in, line);) {
      if (!line.starts_with(family + "{")) continue;
      bool all = true;
      for (const std::string& label : labels) all = all && line.find(label) != std::string::npos;
      if (all) return std::stod(line.substr(line.rfind(' ') + 1));
    }
    return -1;
  }
};

TEST_F(RecoveryTest, ACrashedEngineIsRelaunchedAsAnAutomaticSwapAndAnOomKillAgain) {
  Serving("qwen36");
  EXPECT_EQ(Recovery()["state"], "idle") << Recovery().dump();

  EndContainer("exited 1 false " + Now());
  const json first = WaitRecoveryJobs(1);
  EXPECT_EQ(first["state"], "succeeded") << first.dump();
  EXPECT_EQ(first["kind"], "swap");
  EXPECT_EQ(first["target"], "qwen36");
  EXPECT_TRUE(std::filesystem::exists(sshd_.state() / "containers/vllm_node"));
  EXPECT_EQ(WaitState("idle")["attempts"], 1);

  EndContainer("exited 137 true " + Now());  // the kernel's OOM killer
  const json second = WaitRecoveryJobs(2);
  EXPECT_EQ(second["state"], "succeeded") << second.dump();
  EXPECT_EQ(WaitState("idle")["attempts"], 2);
  EXPECT_EQ(json::parse(Get(Url("/api/status")).body)["model"]["id"], "qwen36");

  const std::vector<std::string> actions = Actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "recovering"), 2) << json(actions).dump();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "succeeded"), 2) << json(actions).dump();
  const json events = json::parse(Get(Url("/api/events?type=recovery&limit=1000")).body);
  bool oom_named = false;
  for (const json& event : events["events"]) {
    oom_named = oom_named || event.value("reason", "").find("out of memory") != std::string::npos;
  }
  EXPECT_TRUE(oom_named) << events.dump();
  EXPECT_EQ(Series("spark_control_recoveries_total", {"service=\"vllm\"", "outcome=\"succeeded\""}),
            2);
  EXPECT_EQ(Series("spark_control_recovery_state", {"service=\"vllm\"", "state=\"idle\""}), 1);
}

TEST_F(RecoveryTest, AModelLaunchedBeforeSparkControlRanIsRelaunchedToo) {
  RunningContainer(kQwen36);  // launched by hand: no job in spark-control's history
  StartApp(kRecovery);
  TrustHost();
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (json::parse(Get(Url("/api/status")).body)["model"]["id"] != "qwen36" &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EndContainer("exited 1 false " + Now());
  const json job = WaitRecoveryJobs(1);
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["target"], "qwen36");
}

TEST_F(RecoveryTest, AStopTheUserAskedForIsNeverUndone) {
  Serving("qwen36");
  const Reply stop = SendJson("POST", Url("/api/services/vllm/stop"), "{}");
  ASSERT_EQ(stop.status, 202) << stop.body;
  EXPECT_EQ(WaitJob(json::parse(stop.body)["job"]["id"])["state"], "succeeded");
  ASSERT_FALSE(ContainerExists());
  // vLLM stays down through several probe rounds and recovery ticks (1 s each): no relaunch.
  const auto until = std::chrono::steady_clock::now() + seconds(4);
  while (std::chrono::steady_clock::now() < until) {
    EXPECT_TRUE(RecoveryJobs().empty());
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_FALSE(ContainerExists());
  EXPECT_NE(Recovery()["state"], "recovering") << Recovery().dump();
}

TEST_F(RecoveryTest, ThreeFailingRelaunchesTripTheBreakerAndResumeTriesAgain) {
  Serving("qwen36");
  sshd_.SetFake("launch_mode", "fail");
  EndContainer("exited 1 false " + Now());
  const json tripped = WaitState("tripped");
  EXPECT_EQ(tripped["attempts"], 3) << tripped.dump();
  EXPECT_FALSE(tripped.value("last_reason", "").empty());
  // No fourth attempt while tripped (watched over three recovery ticks of 1 s).
  const auto until = std::chrono::steady_clock::now() + seconds(3);
  while (std::chrono::steady_clock::now() < until) {
    EXPECT_EQ(RecoveryJobs().size(), 3u);
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_EQ(Series("spark_control_recoveries_total", {"service=\"vllm\"", "outcome=\"failed\""}),
            3);
  EXPECT_EQ(Series("spark_control_recovery_state", {"service=\"vllm\"", "state=\"tripped\""}), 1);

  // Resume needs the admin token when one is set; none is set here, so it is open.
  sshd_.SetFake("launch_mode", "ok");
  const Reply resume = SendJson("POST", Url("/api/recovery/vllm/resume"), "{}");
  ASSERT_EQ(resume.status, 200) << resume.body;
  EXPECT_EQ(WaitRecoveryJobs(4)["state"], "succeeded");
  EXPECT_EQ(WaitState("idle")["attempts"], 1);
  const std::vector<std::string> actions = Actions();
  EXPECT_NE(std::find(actions.begin(), actions.end(), "tripped"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "resumed"), actions.end());
}

TEST_F(RecoveryTest, AfterARebootTheServedModelIsLaunchedAgain) {
  Serving("qwen36");
  // The Spark goes down: no SSH, and the container is gone when it comes back.
  sshd_.Stop();
  std::filesystem::remove(sshd_.state() / "containers/vllm_node");
  // Down and unreachable: recovery waits for the Spark rather than guessing.
  const json waiting = WaitState("waiting");
  EXPECT_NE(waiting.value("last_reason", "").find("unreachable"), std::string::npos)
      << waiting.dump();
  EXPECT_TRUE(RecoveryJobs().empty());
  sshd_.Start();
  const json job = WaitRecoveryJobs(1, seconds(90));
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["target"], "qwen36");
  EXPECT_TRUE(ContainerExists());
}

}  // namespace
}  // namespace spark::test
