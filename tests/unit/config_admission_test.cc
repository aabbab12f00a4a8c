// PUT /api/config refuses what would lock out its own sender or raise a limit fixed at start
// (409 conflict), and lets every other change through.
#include "web/config_admission.h"

#include <gtest/gtest.h>

#include "web/json_api.h"

namespace spark {
namespace {

using json = nlohmann::json;

const Site kSite{"0.0.0.0", {"spark-ctl", "spark-ctl.local"}};

Request Put(std::vector<std::pair<std::string, std::string>> headers, std::string body = "{}") {
  Request request;
  request.method = "PUT";
  request.path = "/api/config";
  request.peer = "192.168.1.20";
  request.client = request.peer;
  request.headers = std::move(headers);
  request.body = std::move(body);
  return request;
}

Status Admit(const Request& request, const Config& before, const json& patch) {
  auto next = PreviewConfig(before, patch);
  EXPECT_TRUE(next.ok()) << next.status().message();
  return AdmitConfigChange(request, before, *next, kSite, /*max_sse_clients_at_start=*/64);
}

TEST(ConfigAdmission, AllowedHostsThatDropThisRequestsHostAreRefused) {
  const Config before;
  const Request script = Put({{"Host", "panel.example.org"}});
  const Status s = Admit(script, before, {{"http", {{"allowed_hosts", {"x"}}}}});
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(s.field(), "http.allowed_hosts");
  EXPECT_NE(s.message().find("lock out"), std::string::npos) << s.message();
  EXPECT_EQ(StatusResponse(s).status, 409);
  // Listing the name it uses is fine, and so is any list for a request made by IP.
  EXPECT_TRUE(
      Admit(script, before, {{"http", {{"allowed_hosts", {"x", "panel.example.org"}}}}}).ok());
  EXPECT_TRUE(
      Admit(Put({{"Host", "192.168.1.5:9999"}}), before, {{"http", {{"allowed_hosts", {"x"}}}}})
          .ok());
}

TEST(ConfigAdmission, RemovingTheOriginThisBrowserNeedsIsRefused) {
  Config before;
  before.http.allowed_origins = {"https://grafana.example.org"};
  const Request browser =
      Put({{"Host", "192.168.1.5:9999"}, {"Origin", "https://grafana.example.org"}});
  const Status s = Admit(browser, before, {{"http", {{"allowed_origins", json::array()}}}});
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(s.field(), "http.allowed_origins");
  EXPECT_TRUE(
      Admit(browser, before,
            {{"http",
              {{"allowed_origins", {"https://grafana.example.org", "https://other.example"}}}}})
          .ok());
}

TEST(ConfigAdmission, DistrustingTheProxyThisBrowserComesThroughIsRefused) {
  Config before;
  before.http.trusted_proxies = {"10.0.0.2"};
  Request browser = Put({{"Host", "127.0.0.1:9999"},
                         {"X-Forwarded-Host", "spark-ctl.local"},
                         {"X-Forwarded-Proto", "https"},
                         {"Origin", "https://spark-ctl.local"}});
  browser.peer = "10.0.0.2";
  const Status s = Admit(browser, before, {{"http", {{"trusted_proxies", json::array()}}}});
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(s.field(), "http.trusted_proxies");
  // Trusting the proxy one sits behind changes who the sender is but does not lock it out.
  Request behind = Put({{"Host", "spark-ctl.local"},
                        {"Origin", "https://spark-ctl.local"},
                        {"X-Forwarded-For", "192.168.1.20"}});
  behind.peer = "10.0.0.2";
  EXPECT_TRUE(Admit(behind, Config(), {{"http", {{"trusted_proxies", {"10.0.0.2"}}}}}).ok());
}

TEST(ConfigAdmission, SettingATokenIsNotALockout) {
  const Request browser = Put({{"Host", "spark-ctl:9999"}, {"Origin", "http://spark-ctl:9999"}});
  EXPECT_TRUE(Admit(browser, Config(), {{"auth", {{"token", "new-secret"}}}}).ok());
}

TEST(ConfigAdmission, MaxSseClientsMayBeLoweredButNotRaisedPastTheStartValue) {
  const Config before;
  const Request script = Put({{"Host", "192.168.1.5:9999"}});
  EXPECT_TRUE(Admit(script, before, {{"limits", {{"max_sse_clients", 16}}}}).ok());
  EXPECT_TRUE(Admit(script, before, {{"limits", {{"max_sse_clients", 64}}}}).ok());
  const Status s = Admit(script, before, {{"limits", {{"max_sse_clients", 65}}}});
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(s.field(), "limits.max_sse_clients");
  EXPECT_NE(s.message().find("restart"), std::string::npos) << s.message();
}

TEST(ConfigAdmission, ABodyLimitBelowThisRequestIsRefused) {
  const Request script = Put({{"Host", "192.168.1.5:9999"}}, std::string(3000, ' ') + "{}");
  const Status s = Admit(script, Config(), {{"limits", {{"max_body_bytes", 2048}}}});
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(s.field(), "limits.max_body_bytes");
  EXPECT_TRUE(Admit(script, Config(), {{"limits", {{"max_body_bytes", 4096}}}}).ok());
}

}  // namespace
}  // namespace spark
