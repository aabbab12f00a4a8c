// Probes against real HTTP servers on loopback that misbehave on purpose: each failure
// must end in up=0 with the right reason within one interval, the API still answering.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http.h"
#include "support/loopback_server.h"
#include "support/model_names.h"
#include "support/process.h"

namespace spark::test {
namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

class ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vllm_ = std::make_unique<LoopbackServer>(Behaviour::kOk, VllmModelsBody(kQwen36));
    speech_ = std::make_unique<LoopbackServer>(Behaviour::kOk, "{\"status\":\"ok\"}");
    std::ofstream(dir_ / "config.yaml")
        << "vllm: {host: 127.0.0.1, port: " << vllm_->port() << "}\n"
        << "services:\n"
        << "  parakeet: {host: 127.0.0.1, port: " << speech_->port() << "}\n"
        << "  magpie: {host: 127.0.0.1, port: 1}\n"  // nothing listens on port 1
        << "probe: {interval_s: 0.5, timeout_s: 0.3}\n";
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "config.yaml").string(), "--data-dir", (dir_ / "data").string()});
  }

  json Service(const std::string& name) {
    const Reply reply = Get(app_->url() + "/api/status");
    EXPECT_EQ(reply.status, 200);
    return json::parse(reply.body)["services"][name];
  }

  // Polls /api/status until `name` is in the wanted state (bounded); the last state seen.
  json WaitFor(const std::string& name, bool up, const std::string& reason, int timeout_ms) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    json state;
    while (SteadyClock::now() < deadline) {
      state = Service(name);
      if (state["up"] == up && (reason.empty() || state["reason"] == reason)) return state;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return state;
  }

  TempDir dir_;
  std::unique_ptr<LoopbackServer> vllm_;
  std::unique_ptr<LoopbackServer> speech_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(ProbeTest, HealthyServicesAreUpWithTheModelVllmReports) {
  const json vllm = WaitFor("vllm", true, "", 3000);
  EXPECT_EQ(vllm["up"], true);
  const json endpoints = json::parse(Get(app_->url() + "/api/endpoints").body);
  EXPECT_EQ(endpoints["vllm"]["ready"], true);
  EXPECT_EQ(endpoints["vllm"]["model"], kQwen36);
  EXPECT_EQ(endpoints["vllm"]["base_url"],
            "http://127.0.0.1:" + std::to_string(vllm_->port()) + "/v1");
  EXPECT_EQ(WaitFor("parakeet", true, "", 3000)["up"], true);
  EXPECT_EQ(WaitFor("magpie", false, "refused", 3000)["reason"], "refused");
}

struct Misbehaviour {
  Behaviour behaviour;
  const char* reason;
  friend void PrintTo(const Misbehaviour& m, std::ostream* os) { *os << m.reason; }
};

class MisbehavingVllm : public ProbeTest, public ::testing::WithParamInterface<Misbehaviour> {};

TEST_P(MisbehavingVllm, EndsDownWithTheRightReasonWithinOneIntervalWhileTheApiAnswers) {
  ASSERT_EQ(WaitFor("vllm", true, "", 3000)["up"], true);
  vllm_->Set(GetParam().behaviour, "{}", 3000);
  const auto start = SteadyClock::now();
  // One interval (0.5 s) + the probe deadline (0.3 s) + the probe in flight, with slack for
  // a loaded 2-core machine.
  const json state = WaitFor("vllm", false, GetParam().reason, 2500);
  EXPECT_EQ(state["up"], false) << state.dump();
  EXPECT_EQ(state["reason"], GetParam().reason) << state.dump();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(2500));
  // The API keeps answering at once while a probe hangs.
  const auto t0 = SteadyClock::now();
  EXPECT_EQ(Get(app_->url() + "/healthz").status, 200);
  EXPECT_LT(SteadyClock::now() - t0, std::chrono::milliseconds(250));
  const json endpoints = json::parse(Get(app_->url() + "/api/endpoints").body);
  EXPECT_EQ(endpoints["vllm"]["ready"], false);
  EXPECT_FALSE(endpoints["vllm"].contains("model"));
  // The failure is counted under its reason in /metrics.
  const std::string metrics = Get(app_->url() + "/metrics").body;
  const std::string series =
      std::string(
          "spark_control_probe_failures_total{cluster=\"default\",service=\"vllm\",reason=\"") +
      GetParam().reason + "\"} ";
  const auto at = metrics.find(series);
  ASSERT_NE(at, std::string::npos) << series;
  EXPECT_GE(std::stod(metrics.substr(at + series.size())), 1.0);
  EXPECT_NE(
      metrics.find("spark_control_service_up{cluster=\"default\",service=\"vllm\",kind=\"llm\"} 0"),
      std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Probes, MisbehavingVllm,
                         ::testing::Values(Misbehaviour{Behaviour::kSlow, "timeout"},
                                           Misbehaviour{Behaviour::kStatus500, "http_status"},
                                           Misbehaviour{Behaviour::kGarbage, "bad_body"},
                                           Misbehaviour{Behaviour::kReset, "reset"},
                                           Misbehaviour{Behaviour::kSilent, "timeout"},
                                           Misbehaviour{Behaviour::kNotHttp, "bad_body"}),
                         [](const auto& param_info) {
                           return std::string(param_info.param.reason) + "_" +
                                  std::to_string(param_info.index);
                         });

TEST_F(ProbeTest, RecoveryIsLoggedAsTransitions) {
  ASSERT_EQ(WaitFor("vllm", true, "", 3000)["up"], true);
  vllm_->Set(Behaviour::kStatus500);
  ASSERT_EQ(WaitFor("vllm", false, "http_status", 2500)["up"], false);
  vllm_->Set(Behaviour::kOk, VllmModelsBody(kQwen36));
  ASSERT_EQ(WaitFor("vllm", true, "", 2500)["up"], true);
  const json events =
      json::parse(Get(app_->url() + "/api/events?service=vllm&type=transition").body);
  std::vector<bool> states;
  for (const auto& e : events["events"]) states.push_back(e["ok"].get<bool>());
  EXPECT_EQ(states, (std::vector<bool>{true, false, true}));
  const std::string metrics = Get(app_->url() + "/metrics").body;
  EXPECT_NE(metrics.find("spark_control_service_transitions_total{cluster=\"default\",service="
                         "\"vllm\",to=\"down\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.find("spark_control_service_transitions_total{cluster=\"default\",service="
                         "\"vllm\",to=\"up\"} 1"),
            std::string::npos);
}

TEST_F(ProbeTest, AFailureReportTriggersAnImmediateReprobe) {
  // A long interval: only the report can explain a second probe within a second.
  std::ofstream(dir_ / "slow.yaml") << "vllm: {host: 127.0.0.1, port: " << vllm_->port() << "}\n"
                                    << "probe: {interval_s: 60, timeout_s: 1}\n";
  SparkControl app(
      {"--config", (dir_ / "slow.yaml").string(), "--data-dir", (dir_ / "data2").string()});
  const auto deadline = SteadyClock::now() + std::chrono::seconds(3);
  while (vllm_->requests() < 2 && SteadyClock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int before = vllm_->requests();
  vllm_->Set(Behaviour::kStatus500);
  const Reply reply =
      SendJson("POST", app.url() + "/api/health-event",
               R"({"service":"vllm","ok":false,"source":"test","error":"HTTP 500"})");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const auto until = SteadyClock::now() + std::chrono::seconds(2);
  json vllm;
  while (SteadyClock::now() < until) {
    vllm = json::parse(Get(app.url() + "/api/status").body)["services"]["vllm"];
    if (vllm["up"] == false) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(vllm["up"], false);
  EXPECT_GT(vllm_->requests(), before);
}

}  // namespace
}  // namespace spark::test
