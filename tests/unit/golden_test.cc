// Golden files for what clients parse: /metrics and the JSON of /api/status, /api/endpoints,
// /api/models and a job, rendered in process through the real route table from a fixed
// cluster on a fake clock (fixed wall time; probes and jobs take no time on it), so every
// timestamp, duration and counter is the fixture's. process_* is left out of /metrics (the
// test process's own pid-dependent values); nothing else is masked.
// Regenerate after a deliberate change: SPARK_UPDATE_GOLDEN=1 unit_tests --gtest_filter=Golden*
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/eventually.h"
#include "support/golden_file.h"
#include "support/in_process_app.h"

namespace spark {
namespace {

using nlohmann::json;

constexpr const char* kServed = "RedHatAI/Qwen3.6-35B-A3B-NVFP4";

// vLLM serves kServed on port 8000, parakeet answers, magpie refuses connections.
class FixedCluster final : public HttpClient {
 public:
  HttpResult Send(const HttpRequest& request) override {
    if (request.url.find(":8000/") != std::string::npos) {
      if (request.url.ends_with("/health")) return HttpResponse{200, ""};
      return HttpResponse{200, json{{"object", "list"}, {"data", {{{"id", kServed}}}}}.dump()};
    }
    if (request.url.find(":8001/") != std::string::npos) return HttpResponse{200, ""};
    return HttpFailure{FailureReason::kRefused, "Connection refused"};
  }
};

HttpClientFactory FixedHttp() {
  return [] { return std::make_unique<FixedCluster>(); };
}

ConfigSources FixedConfig(const std::filesystem::path& dir) {
  ConfigSources sources;
  sources.overlay_file = dir / "config.yaml";
  sources.demo = {{"cluster", "golden"},
                  {"sparks",
                   {{"spark1", {{"host", "127.0.0.1"}, {"user", "demo"}}},
                    {"spark2", {{"host", "127.0.0.2"}, {"user", "demo"}}}}},
                  {"vllm", {{"port", 8000}}},
                  {"services", {{"parakeet", {{"port", 8001}}}, {"magpie", {{"port", 8002}}}}}};
  return sources;
}

class GoldenTest : public ::testing::Test {
 protected:
  GoldenTest() : in_process_(FixedConfig, FixedHttp(), "golden") {}

  // Every service probed once (the first round runs at once; the fake clock never moves).
  void ProbeOnce() {
    in_process_.cluster().poller().SetTargets(ProbeTargetsFor(*in_process_.config->Current()));
    ASSERT_TRUE(test::Eventually([this] {
      for (const auto& [name, state] : in_process_.cluster().poller().Current()->services) {
        if (!state.up) return false;
      }
      return true;
    }));
  }

  Response Call(const std::string& method, const std::string& pattern,
                std::map<std::string, std::string> params = {}, std::string body = "") {
    Request request;
    request.method = method;
    request.path = pattern;
    request.peer = request.client = "127.0.0.1";
    request.headers = {{"Content-Type", "application/json"}};
    request.body = std::move(body);
    request.params = std::move(params);
    for (const Route& route : in_process_.routes) {
      if (route.method == method && route.pattern == pattern && route.handle) {
        return route.handle(request);
      }
    }
    ADD_FAILURE() << "no route " << method << " " << pattern;
    return {};
  }

  // The body as indented JSON, so a diff shows the field that changed.
  std::string JsonOf(const Response& response) {
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body).dump(2) + "\n";
  }

  test::InProcessApp in_process_;
};

TEST_F(GoldenTest, Metrics) {
  ProbeOnce();
  for (const char* report : {R"({"service":"vllm","ok":true,"ms":420,"source":"open-webui"})",
                             R"({"service":"magpie","ok":false,"ms":35,"source":"recap-relay",)"
                             R"("error":"HTTP 500"})"}) {
    EXPECT_EQ(Call("POST", "/api/health-event", {}, report).status, 202);
  }
  const Response metrics = Call("GET", "/metrics");
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(test::MatchesGolden("metrics.txt", std::string(metrics.payload())));
}

TEST_F(GoldenTest, Status) {
  ProbeOnce();
  EXPECT_TRUE(test::MatchesGolden("status.json", JsonOf(Call("GET", "/api/status"))));
}

TEST_F(GoldenTest, Endpoints) {
  ProbeOnce();
  EXPECT_TRUE(test::MatchesGolden("endpoints.json", JsonOf(Call("GET", "/api/endpoints"))));
}

TEST_F(GoldenTest, Models) {
  ProbeOnce();
  EXPECT_TRUE(test::MatchesGolden("models.json", JsonOf(Call("GET", "/api/models"))));
}

// A service restart on the simulated Sparks: its scripted delays are scaled to nothing, so it
// starts and ends at the fake clock's fixed time.
TEST_F(GoldenTest, Job) {
  ProbeOnce();
  auto job = in_process_.cluster().controller().ServiceAction("parakeet", "restart");
  ASSERT_TRUE(job.ok()) << job.status().message();
  ASSERT_TRUE(test::Eventually(
      [&] { return IsFinished(in_process_.cluster().controller().Job(job->id)->state); }));
  EXPECT_TRUE(
      test::MatchesGolden("job.json", JsonOf(Call("GET", "/api/jobs/{id}", {{"id", job->id}}))));
}

}  // namespace
}  // namespace spark
