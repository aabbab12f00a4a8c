// The demo's simulated crash (web/demo): the containers as the recovery's inspect line reads
// them (running, crashed with EngineDeadError or OOM, stopped cleanly by a swap, missing),
// `docker start` bringing a crashed speech container back, a fake's port that closes and opens
// again, and DemoCluster::Crash's answers.
#include <gtest/gtest.h>

#include "controller/container_report.h"
#include "controller/recovery_commands.h"
#include "demo/demo_cluster.h"
#include "demo/fake_server.h"
#include "demo/simulated_containers.h"
#include "exporter/time_format.h"
#include "support/fake_clock.h"
#include "support/http.h"
#include "support/in_process_app.h"
#include "support/refusing_http.h"
#include "web/json_api.h"

namespace spark {
namespace {

using std::chrono::hours;

// The recovery's own inspect lines (recovery_commands.h).
const std::string kVllmInspect = InspectContainer("vllm_node", true)->line;
const std::string kSpeechInspect = InspectContainer("parakeet", false)->line;

class DemoContainersTest : public ::testing::Test {
 protected:
  DemoContainersTest() { AddContainerRules(executor_, containers_, Duration{}); }

  std::vector<std::string> Run(const std::string& line, const std::string& spark = "spark1") {
    return RunCollecting(executor_, RemoteCommand{spark, line, std::chrono::seconds(20), {}})
        .stdout_lines;
  }
  std::string Boot() const {
    const auto boot = clock_.WallNow() - hours(72);
    return "boot " +
           std::to_string(
               std::chrono::duration_cast<std::chrono::seconds>(boot.time_since_epoch()).count());
  }

  test::FakeClock clock_;
  SimulatedExecutor executor_{clock_};
  std::shared_ptr<SimulatedContainers> containers_ = std::make_shared<SimulatedContainers>(
      clock_, std::vector<std::string>{"vllm_node", "parakeet"});
};

TEST_F(DemoContainersTest, RunningContainersAnswerTheInspectLine) {
  EXPECT_EQ(Run(kVllmInspect),
            (std::vector<std::string>{Boot(), "container running 0 false 0001-01-01T00:00:00Z",
                                      "engine_dead 0", "spark-control-inspect-end"}));
  // A speech service's line has no engine markers.
  EXPECT_EQ(Run(kSpeechInspect, "spark2"),
            (std::vector<std::string>{Boot(), "container running 0 false 0001-01-01T00:00:00Z",
                                      "spark-control-inspect-end"}));
  EXPECT_EQ(Run(InspectContainer("other", false)->line),
            (std::vector<std::string>{Boot(), "container missing", "spark-control-inspect-end"}));
}

TEST_F(DemoContainersTest, ACrashLeavesTheContainerExitedAndRunsItsHook) {
  int crashes = 0;
  containers_->OnCrash("vllm_node", [&] { ++crashes; });
  ASSERT_TRUE(containers_->Crash("vllm_node", 1, false, true));
  const std::string at = FormatRfc3339(clock_.WallNow());
  EXPECT_EQ(crashes, 1);
  EXPECT_EQ(Run(kVllmInspect),
            (std::vector<std::string>{Boot(), "container exited 1 false " + at, "engine_dead 1",
                                      "spark-control-inspect-end"}));
  ASSERT_TRUE(containers_->Crash("vllm_node", 137, true, false));
  EXPECT_EQ(Run(kVllmInspect)[1], "container exited 137 true " + at);
  // What the recovery reads from it: an OOM kill, after the Spark's boot.
  std::string out;
  for (const std::string& line : Run(kVllmInspect)) out += line + "\n";
  const auto report = ParseContainerReport(out);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->status, "exited");
  EXPECT_TRUE(report->oom_killed);
  EXPECT_FALSE(report->engine_dead);
  ASSERT_TRUE(report->boot_epoch_s && report->finished_at);
  EXPECT_LT(*report->boot_epoch_s + 120, std::chrono::duration_cast<std::chrono::seconds>(
                                             report->finished_at->time_since_epoch())
                                             .count());
  EXPECT_FALSE(containers_->Crash("nope", 1, false, false));
}

TEST_F(DemoContainersTest, DockerStartBringsACrashedContainerBack) {
  int starts = 0;
  containers_->OnStart("parakeet", [&] { ++starts; });
  Run("docker start parakeet", "spark2");
  EXPECT_EQ(starts, 0) << "a running container's start changes nothing";
  ASSERT_TRUE(containers_->Crash("parakeet", 1, false, false));
  EXPECT_EQ(Run("docker start parakeet", "spark2"), std::vector<std::string>{"parakeet"});
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(containers_->Get("parakeet")->status, "running");
}

TEST_F(DemoContainersTest, TheClusterRulesRecordLaunchesStopsAndCrashes) {
  test::FakeClock clock;
  SimulatedExecutor sparks(clock, 0.0);
  SimulatedCluster cluster;
  cluster.containers = containers_;
  AddSparkVllmDockerRules(sparks, cluster);
  const auto run = [&](const std::string& line) {
    return RunCollecting(sparks, RemoteCommand{"spark1", line, std::chrono::seconds(20), {}});
  };
  run("cd ~/spark-vllm-docker && ./launch-cluster.sh stop");
  EXPECT_EQ(containers_->Get("vllm_node")->exit_code, 143) << "docker stop: a clean exit";
  run("cd ~/spark-vllm-docker && ./launch-cluster.sh --solo -d exec vllm serve m");
  EXPECT_EQ(containers_->Get("vllm_node")->status, "running");
  EXPECT_EQ(run("docker ps").stdout_lines.size(), 1u);
  containers_->Crash("vllm_node", 1, false, true);
  EXPECT_TRUE(run("docker ps").stdout_lines.empty()) << "a crashed container is not listed";
  run("cd ~/spark-vllm-docker && ./launch-cluster.sh stop");
  EXPECT_EQ(containers_->Get("vllm_node")->exit_code, 1) << "a stop keeps the crash's record";
}

TEST(FakeListener, ClosesItsPortAndOpensTheSameOneAgain) {
  test::FakeClock clock;
  std::vector<Route> routes = {{"GET",
                                "/health",
                                Access::kRead,
                                [](const Request&) { return JsonResponse(200, {}); },
                                {},
                                {}}};
  auto listener = FakeListener::Start("127.0.0.1", 0, routes, clock);
  ASSERT_TRUE(listener.ok()) << listener.status().message();
  const std::string url = "http://127.0.0.1:" + std::to_string((*listener)->port()) + "/health";
  EXPECT_EQ(test::Get(url).status, 200);
  (*listener)->Close();
  EXPECT_FALSE((*listener)->listening());
  EXPECT_EQ(test::Get(url).status, 0) << "refused while closed";
  ASSERT_TRUE((*listener)->Listen().ok());
  EXPECT_EQ(test::Get(url).status, 200);
}

TEST(DemoCrash, VllmAlternatesEngineDeathAndOomAndSpeechExitsOnce) {
  test::FakeClock clock;
  auto demo = DemoCluster::Start({"lab", "m", "127.0.0.1", "127.0.0.1", 1e6, 1e6}, clock);
  ASSERT_TRUE(demo.ok()) << demo.status().message();
  DemoCluster& lab = **demo;
  auto first = lab.Crash("vllm");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)["exit_code"], 1);
  EXPECT_EQ(lab.containers()->Get("vllm_node")->engine_dead, true);
  EXPECT_FALSE(lab.vllm().listening());
  EXPECT_EQ(lab.Crash("vllm").status().code(), ErrorCode::kConflict) << "down already";
  lab.vllm().Serve("m");  // what the relaunch's start-up does
  EXPECT_TRUE(lab.vllm().listening());
  auto second = lab.Crash("vllm");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)["exit_code"], 137);
  EXPECT_EQ((*second)["oom_killed"], true);

  ASSERT_TRUE(lab.Crash("magpie").ok());
  EXPECT_EQ(lab.containers()->Get("magpie")->status, "exited");
  EXPECT_EQ(lab.Crash("magpie").status().code(), ErrorCode::kConflict);
  EXPECT_EQ(lab.Crash("whisper").status().field(), "service");
}

// The route is in the table always (one list with docs/openapi.yaml); without --demo's
// control it answers 404, with it the control's answer, and /api/status says which.
TEST(DemoCrash, TheRouteAnswers404WithoutTheDemo) {
  test::InProcessApp in_process(
      [](const std::filesystem::path& dir) {
        ConfigSources sources;
        sources.overlay_file = dir / "config.yaml";
        return sources;
      },
      test::RefusingHttpFactory(), "test");
  const auto call = [&](const std::string& method, const std::string& pattern,
                        std::map<std::string, std::string> params) {
    Request request;
    request.method = method;
    request.path = pattern;
    request.params = std::move(params);
    for (const Route& route : in_process.routes) {
      if (route.method == method && route.pattern == pattern) return route.handle(request);
    }
    ADD_FAILURE() << "no route " << method << " " << pattern;
    return Response{};
  };
  const std::string crash = "/api/demo/crash/{service}";
  EXPECT_EQ(call("POST", crash, {{"service", "vllm"}}).status, 404);
  EXPECT_EQ(nlohmann::json::parse(call("GET", "/api/status", {}).body)["demo"], false);

  std::string crashed;
  in_process.app->demo_crash = [&](const std::string& cluster, const std::string& service) {
    crashed = cluster + "/" + service;
    return Result<nlohmann::json>(nlohmann::json{{"service", service}});
  };
  EXPECT_EQ(call("POST", crash, {{"service", "parakeet"}}).status, 200);
  EXPECT_EQ(crashed, in_process.cluster().name() + "/parakeet");
  EXPECT_EQ(nlohmann::json::parse(call("GET", "/api/status", {}).body)["demo"], true);
}

}  // namespace
}  // namespace spark
