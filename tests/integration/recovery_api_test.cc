// Automatic recovery over the real binary in demo mode (docs/api.md "Recovery"): /api/status
// shows every service's recovery, the metrics name every state, and POST
// /api/recovery/{service}/resume needs the admin token and a known service, then answers the
// service's recovery and logs a `resumed` event.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "support/eventually.h"
#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

constexpr const char* kRecoveryToken = "recovery-admin";

json JsonOf(const Reply& reply) { return json::parse(reply.body, nullptr, false); }

Reply PostResume(const SparkControl& app, const std::string& path, bool with_token = true) {
  std::vector<std::string> headers;
  if (with_token) headers.push_back(std::string("Authorization: Bearer ") + kRecoveryToken);
  return Http("POST", app.url() + path, "", headers);
}

// Whether `recovery` holds every demo service, each with a state of the API.
bool ShowsEveryService(const json& recovery) {
  for (const char* service : {"vllm", "parakeet", "magpie"}) {
    if (!recovery.contains(service) || !recovery[service]["state"].is_string()) return false;
  }
  return true;
}

TEST(RecoveryApi, StatusShowsEachServiceAndResumeNeedsTheTokenAndAKnownService) {
  TempDir dir;
  SparkControl app({"--demo", "--data-dir", dir.path().string()},
                   {{"SPARK_CONTROL_TOKEN", kRecoveryToken}});
  json status;
  ASSERT_TRUE(Eventually(
      [&] {
        status = JsonOf(Get(app.url() + "/api/status"));
        return ShowsEveryService(status.value("recovery", json::object()));
      },
      std::chrono::seconds(10)))
      << status.dump();
  const json vllm = status["recovery"]["vllm"];
  EXPECT_TRUE(vllm["attempts"].is_number_integer()) << vllm.dump();
  EXPECT_TRUE(vllm.contains("next_at") && vllm.contains("last_reason") && vllm.contains("job"))
      << vllm.dump();
  const std::string cluster = status["cluster"];

  const Reply anonymous = PostResume(app, "/api/recovery/vllm/resume", false);
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  const Reply unknown = PostResume(app, "/api/recovery/nope/resume");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(ErrorCode(unknown), "not_found");
  EXPECT_EQ(ErrorField(unknown), "service");
  const Reply elsewhere = PostResume(app, "/api/recovery/vllm/resume?cluster=nope");
  EXPECT_EQ(elsewhere.status, 404) << elsewhere.body;
  EXPECT_EQ(ErrorField(elsewhere), "cluster");

  const Reply resumed = PostResume(app, "/api/recovery/magpie/resume");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  const json answer = JsonOf(resumed);
  EXPECT_EQ(answer["service"], "magpie");
  EXPECT_EQ(answer["recovery"]["attempts"], 0) << answer.dump();
  EXPECT_TRUE(answer["recovery"]["state"].is_string()) << answer.dump();

  json events;
  EXPECT_TRUE(Eventually([&] {
    events = JsonOf(Get(app.url() + "/api/events?type=recovery"))["events"];
    for (const json& event : events) {
      if (event["service"] == "magpie" && event.value("action", "") == "resumed") return true;
    }
    return false;
  })) << events.dump();

  const std::string metrics = Get(app.url() + "/metrics").body;
  for (const char* state : {"idle", "waiting", "recovering", "tripped", "off"}) {
    const std::string series = "spark_control_recovery_state{cluster=\"" + cluster +
                               "\",service=\"vllm\",state=\"" + state + "\"}";
    EXPECT_GE(MetricValue(metrics, series), 0) << series;
  }
  EXPECT_EQ(MetricValue(metrics, "spark_control_recoveries_total{cluster=\"" + cluster +
                                     "\",service=\"vllm\",outcome=\"failed\"}"),
            0);
}

}  // namespace
}  // namespace spark::test
