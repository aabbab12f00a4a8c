// POST /api/recovery/{service}/resume and /api/status `recovery` as the route table wires them
// (in process, on a fake clock, every service refusing connections): the status document names
// every service, a resume answers the service's recovery and moves the status version (so the
// `state` frames of /api/events/stream carry it), an unknown service is 404.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/in_process_app.h"
#include "support/refusing_http.h"

namespace spark {
namespace {

using nlohmann::json;

ConfigSources RecoveryRouteConfig(const std::filesystem::path& dir) {
  ConfigSources sources;
  sources.overlay_file = dir / "config.yaml";
  sources.demo = {{"cluster", "heal"},
                  {"sparks",
                   {{"spark1", {{"host", "127.0.0.1"}, {"user", "demo"}}},
                    {"spark2", {{"host", "127.0.0.2"}, {"user", "demo"}}}}}};
  return sources;
}

Response CallResume(test::InProcessApp& in_process, const std::string& service) {
  Request request;
  request.method = "POST";
  request.path = "/api/recovery/" + service + "/resume";
  request.peer = request.client = "127.0.0.1";
  request.headers = {{"Content-Type", "application/json"}};
  request.params = {{"service", service}};
  for (const Route& route : in_process.routes) {
    if (route.method == "POST" && route.pattern == "/api/recovery/{service}/resume") {
      return route.handle(request);
    }
  }
  ADD_FAILURE() << "no resume route";
  return {};
}

TEST(RecoveryRoute, ResumeAnswersTheServiceAndMovesTheStatusVersion) {
  test::InProcessApp in_process(RecoveryRouteConfig, test::RefusingHttpFactory(), "test",
                                /*recovery=*/true);
  Cluster& cluster = in_process.cluster();
  const json recovery = StatusDocument(*in_process.app, cluster)["recovery"];
  for (const char* service : {"vllm", "parakeet", "magpie"}) {
    EXPECT_TRUE(recovery.contains(service)) << recovery.dump();
  }

  const uint64_t before = StatusVersion(*in_process.app, cluster);
  const Response resumed = CallResume(in_process, "parakeet");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  const json answer = json::parse(resumed.body);
  EXPECT_EQ(answer["service"], "parakeet");
  EXPECT_EQ(answer["recovery"]["attempts"], 0) << answer.dump();
  EXPECT_GT(StatusVersion(*in_process.app, cluster), before);

  const Response unknown = CallResume(in_process, "nope");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(json::parse(unknown.body)["error"]["field"], "service");
}

TEST(RecoveryRoute, AClusterWithoutARecoveryLoopShowsNoneAndResumesNothing) {
  test::InProcessApp in_process(RecoveryRouteConfig, test::RefusingHttpFactory(), "test");
  EXPECT_EQ(StatusDocument(*in_process.app, in_process.cluster())["recovery"], json::object());
  EXPECT_EQ(CallResume(in_process, "vllm").status, 404);
}

}  // namespace
}  // namespace spark
