// Fault matrix, probes (issue 10): every probe target misbehaves at once — one hangs, one
// resets the connection, one answers garbage, one is not HTTP, one trickles a valid answer a
// byte at a time past the deadline — real servers on 127.0.0.1. Each ends `up 0` with its
// reason in /api/status and /metrics, the API answers at once throughout, and all come back
// up when the servers behave again (no prober is left stuck on a dead connection).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/http.h"
#include "support/loopback_server.h"
#include "support/model_names.h"
#include "support/process.h"

namespace spark::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

struct Fault {
  Behaviour behaviour;
  const char* reason;
  const char* kind;
};

// service → what its server does and the reason the probe must give.
const std::map<std::string, Fault>& Faults() {
  static const std::map<std::string, Fault> faults = {
      {"vllm", {Behaviour::kGarbage, "bad_body", "llm"}},
      {"parakeet", {Behaviour::kSilent, "timeout", "stt"}},
      {"magpie", {Behaviour::kReset, "reset", "tts"}},
      {"whisper", {Behaviour::kNotHttp, "bad_body", "stt"}},
      {"kokoro", {Behaviour::kTrickle, "timeout", "tts"}},
  };
  return faults;
}

std::string HealthyBody(const std::string& service) {
  return service == "vllm" ? VllmModelsBody(kQwen36) : R"({"status":"ok"})";
}

class ProbeFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream config(dir_ / "config.yaml");
    config << "probe: {interval_s: 0.5, timeout_s: 0.3}\nlimits: {report_rate_per_client: 0}\n";
    config << "services:\n";
    for (const auto& [name, fault] : Faults()) {
      servers_[name] = std::make_unique<LoopbackServer>(Behaviour::kOk, HealthyBody(name));
      if (name == "vllm") continue;
      config << "  " << name << ": {kind: " << fault.kind << ", container: " << name
             << ", host: 127.0.0.1, port: " << servers_[name]->port() << "}\n";
    }
    config << "vllm: {host: 127.0.0.1, port: " << servers_["vllm"]->port() << "}\n";
    config.close();
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "config.yaml").string(), "--data-dir", (dir_ / "data").string()});
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }

  // Polls /api/status until every service matches `want` (bounded); the services last seen.
  json WaitForAll(const std::function<bool(const std::string&, const json&)>& want,
                  milliseconds timeout) {
    const auto until = SteadyClock::now() + timeout;
    json services;
    while (SteadyClock::now() < until) {
      services = json::parse(Get(Url("/api/status")).body)["services"];
      bool all = true;
      for (const auto& [name, fault] : Faults()) all = all && want(name, services[name]);
      if (all) break;
      std::this_thread::sleep_for(milliseconds(25));
    }
    return services;
  }

  TempDir dir_;
  std::map<std::string, std::unique_ptr<LoopbackServer>> servers_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(ProbeFaultTest, EveryTargetMisbehavingAtOnceEndsDownWithItsReasonWhileTheApiAnswers) {
  auto up = [](const std::string&, const json& s) { return s["up"] == true; };
  ASSERT_EQ(WaitForAll(up, milliseconds(5000)).dump().find("\"up\":false"), std::string::npos);
  for (const auto& [name, fault] : Faults()) {
    // Trickling: one byte every 50 ms, ~6 s for the whole answer against a 0.3 s deadline.
    servers_[name]->Set(fault.behaviour, HealthyBody(name), 50);
  }
  const json down = WaitForAll(
      [](const std::string& name, const json& s) {
        return s["up"] == false && s["reason"] == Faults().at(name).reason;
      },
      milliseconds(5000));
  for (const auto& [name, fault] : Faults()) {
    EXPECT_EQ(down[name]["up"], false) << name << ": " << down[name].dump();
    EXPECT_EQ(down[name]["reason"], fault.reason) << name << ": " << down[name].dump();
  }

  // The API answers at once while every probe is stuck on a bad peer (a few rounds of them).
  milliseconds slowest{0};
  for (int i = 0; i < 20; ++i) {
    const auto t0 = SteadyClock::now();
    EXPECT_EQ(Get(Url("/healthz")).status, 200);
    EXPECT_EQ(Get(Url("/api/status")).status, 200);
    EXPECT_EQ(Get(Url("/api/endpoints")).status, 200);
    EXPECT_EQ(SendJson("POST", Url("/api/health-event"),
                       R"({"service":"parakeet","ok":false,"source":"fault","error":"hung"})")
                  .status,
              202);
    slowest = std::max(slowest, std::chrono::duration_cast<milliseconds>(SteadyClock::now() - t0));
  }
  EXPECT_LT(slowest, milliseconds(1000)) << "four requests, the slowest round";

  const std::string metrics = Get(Url("/metrics")).body;
  for (const auto& [name, fault] : Faults()) {
    const std::string labels = "{cluster=\"default\",service=\"" + name + "\"";
    EXPECT_EQ(
        MetricValue(metrics, "spark_control_service_up" + labels + ",kind=\"" + fault.kind + "\"}"),
        0)
        << name;
    EXPECT_GE(MetricValue(metrics, "spark_control_probe_failures_total" + labels + ",reason=\"" +
                                       fault.reason + "\"}"),
              1)
        << name;
  }

  for (const auto& [name, fault] : Faults()) servers_[name]->Set(Behaviour::kOk, HealthyBody(name));
  const json back = WaitForAll(up, milliseconds(5000));
  for (const auto& [name, fault] : Faults()) {
    EXPECT_EQ(back[name]["up"], true) << name << ": " << back[name].dump();
  }
  EXPECT_TRUE(app_->process().running());
}

}  // namespace
}  // namespace spark::test
