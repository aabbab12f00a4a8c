// Fault matrix, the Spark side of a swap (issue 10): sshd killed and restarted mid-swap, and a
// Spark whose clock is an hour off ours. Debian's sshd on loopback runs the fake
// spark-vllm-docker tools (tests/support/sshd.h); a fake vLLM serves what the fake container
// runs. Every wait is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/fake_vllm.h"
#include "support/http.h"
#include "support/process.h"
#include "support/sshd.h"

namespace spark::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

class SwapFaultTest : public ::testing::Test {
 protected:
  void SetUp() override { sshd_.SetFake("follow_s", "30"); }

  void StartApp(const std::string& extra = "") {
    std::ofstream(dir_ / "spark-control.yaml") << sshd_.SparkConfig(vllm_.port()) << extra;
    app_ = std::make_unique<SparkControl>(
        std::vector<std::string>{"--config", (dir_ / "spark-control.yaml").string(), "--data-dir",
                                 (dir_ / "data").string()});
    const Reply trusted = SendJson("POST", Url("/api/ssh/known-hosts/spark1"),
                                   json{{"fingerprint", sshd_.HostKeyFingerprint()}}.dump());
    ASSERT_EQ(trusted.status, 200) << trusted.body << "\n" << sshd_.Log();
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }

  std::string Swap(const std::string& model) {
    const Reply r = SendJson("POST", Url("/api/swap"), json{{"model", model}}.dump());
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? json::parse(r.body)["job"]["id"].get<std::string>() : "";
  }
  json Job(const std::string& id) { return json::parse(Get(Url("/api/jobs/" + id)).body); }
  // Polls until `done(job)` (bounded); the job last seen.
  json WaitJob(const std::string& id, const std::function<bool(const json&)>& done, seconds max) {
    const auto until = SteadyClock::now() + max;
    json job;
    while (SteadyClock::now() < until) {
      job = Job(id);
      if (done(job)) return job;
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << "job " << id << " never got there: " << job.dump();
    return job;
  }
  static bool Finished(const json& job) {
    return job["state"] != "running" && job["state"] != "queued";
  }

  Sshd sshd_;
  FakeVllm vllm_{sshd_.state() / "containers/vllm_node"};
  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(SwapFaultTest, SshdKilledAndRestartedMidSwapEndsTheJobClearlyAndTheNextSwapWorks) {
  sshd_.SetFake("log_delay", "0.3");  // ~8 s of loading
  StartApp();
  const std::string id = Swap("qwen36");
  WaitJob(
      id, [](const json& j) { return j["progress"]["phase"] == "loading"; }, seconds(30));
  EXPECT_GT(sshd_.KillSessions(), 0);
  sshd_.Stop();
  sshd_.Start();

  // Either way the job ends: re-attached and ready (the detached launch went on), or failed
  // with a code that says what happened — never left running, never a dead process.
  const json job = WaitJob(id, Finished, seconds(90));
  const std::set<std::string> clear = {"ssh_unreachable", "engine_failed", "silent_log", "timeout"};
  if (job["state"] == "failed") {
    EXPECT_TRUE(clear.contains(job["error"]["code"].get<std::string>())) << job.dump();
    EXPECT_FALSE(job["error"]["message"].get<std::string>().empty());
  } else {
    EXPECT_EQ(job["state"], "succeeded") << job.dump();
  }
  EXPECT_EQ(Get(Url("/healthz")).status, 200);
  EXPECT_EQ(json::parse(Get(Url("/api/status")).body)["jobs"].size(), 0u);

  // The link is back: the next swap reconnects and succeeds.
  sshd_.SetFake("log_delay", "0.02");
  const json next = WaitJob(Swap("gemma4"), Finished, seconds(90));
  EXPECT_EQ(next["state"], "succeeded") << next.dump();
}

// The Spark's clock runs `offset` seconds off ours; the swap must still see its log lines.
// docker logs --since is filtered on the Spark's clock (tests/testdata/clock/docker).
class SkewedSparkClock : public SwapFaultTest, public ::testing::WithParamInterface<int> {
 protected:
  void SetUp() override {
    SwapFaultTest::SetUp();
    namespace fs = std::filesystem;
    fs::rename(sshd_.fakebin() / "docker", sshd_.fakebin() / "docker-inner");
    fs::copy_file(fs::path(SPARK_SOURCE_DIR) / "tests/testdata/clock/docker",
                  sshd_.fakebin() / "docker");
    sshd_.SetFake("clock_offset_s", std::to_string(GetParam()));
  }
};

TEST_P(SkewedSparkClock, TheSwapStillSeesItsLogLines) {
  StartApp("swap: {silent_log_s: 5}\n");
  const json job = WaitJob(Swap("qwen36"), Finished, seconds(90));
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["progress"]["phase"], "ready");
}

INSTANTIATE_TEST_SUITE_P(Faults, SkewedSparkClock, ::testing::Values(0, 3600, -3600),
                         [](const auto& param_info) {
                           return param_info.param == 0  ? std::string("InStep")
                                  : param_info.param > 0 ? std::string("AnHourAhead")
                                                         : std::string("AnHourBehind");
                         });

}  // namespace
}  // namespace spark::test
