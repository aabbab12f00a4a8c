// The cross-site rules as a table (API.md "Cross-site default"): Origin × Host × proxy headers
// × token over the pure guard functions, so every row names the case it protects.
#include "web/request_guard.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "web/host_names.h"

namespace spark {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

Request MakeRequest(const std::string& peer, Headers headers) {
  Request request;
  request.method = "POST";
  request.path = "/api/swap";
  request.peer = peer;
  request.headers = std::move(headers);
  request.client = ClientAddress(peer, request.Header("X-Forwarded-For"), Config());
  return request;
}

std::string Code(const std::optional<Response>& response) {
  if (!response) return "ok";
  return nlohmann::json::parse(response->body)["error"]["code"].get<std::string>();
}

const Site kSite{"0.0.0.0", {"spark-ctl", "spark-ctl.local", "spark-ctl.home.arpa"}};

struct Row {
  const char* name;
  Headers headers;
  std::string expected;  // "ok" or the error code
  std::string peer = "192.168.1.20";
};

Config WithProxy() {
  Config config;
  config.http.trusted_proxies = {"10.0.0.2"};
  return config;
}

// The cross-site matrix with the default config, one group per test: each row's verdict on a
// mutation, and reads stay open whatever the headers say.
void ExpectDefaultVerdicts(const std::vector<Row>& rows) {
  const Config config;
  for (const Row& row : rows) {
    const Request request = MakeRequest(row.peer, row.headers);
    const bool token = TokenValid(request, config, Access::kMutation);
    EXPECT_EQ(Code(CheckSite(request, config, kSite, Access::kMutation, token)), row.expected)
        << row.name;
    EXPECT_EQ(Code(CheckSite(request, config, kSite, Access::kRead, token)), "ok") << row.name;
  }
}

TEST(RequestGuard, ScriptsWithoutBrowserHeadersAreNeverRefused) {
  // Scripts and LAN apps send neither Origin nor Sec-Fetch-Site.
  ExpectDefaultVerdicts({
      {"script by IP", {{"Host", "192.168.1.5:9999"}}, "ok"},
      {"script by any name", {{"Host", "evil.example.com:9999"}}, "ok"},
      {"script without Host", {}, "ok"},
  });
}

TEST(RequestGuard, TheUiOpenedByIpLocalhostOrTheMachinesNamesIsAccepted) {
  ExpectDefaultVerdicts({
      {"ui by IP", {{"Host", "192.168.1.5:9999"}, {"Origin", "http://192.168.1.5:9999"}}, "ok"},
      {"ui by localhost", {{"Host", "localhost:9999"}, {"Origin", "http://localhost:9999"}}, "ok"},
      {"ui by bare name", {{"Host", "spark-ctl:9999"}, {"Origin", "http://spark-ctl:9999"}}, "ok"},
      {"ui by .local",
       {{"Host", "SPARK-CTL.local:9999"}, {"Origin", "http://spark-ctl.local:9999"}},
       "ok"},
      {"ui by domain",
       {{"Host", "spark-ctl.home.arpa:9999"}, {"Origin", "http://spark-ctl.home.arpa:9999"}},
       "ok"},
      {"ui by IPv6 literal",
       {{"Host", "[fe80::1]:9999"}, {"Origin", "http://[fe80::1]:9999"}},
       "ok"},
      {"same-origin fetch metadata",
       {{"Host", "192.168.1.5:9999"}, {"Sec-Fetch-Site", "same-origin"}},
       "ok"},
  });
}

TEST(RequestGuard, DnsRebindingIsRefusedByTheHostRule) {
  // The page's own name, Origin == Host, so only the Host rule stops it.
  ExpectDefaultVerdicts({
      {"rebinding name",
       {{"Host", "evil.example.com:9999"}, {"Origin", "http://evil.example.com:9999"}},
       "host_refused"},
      {"rebinding name, metadata only",
       {{"Host", "evil.example.com:9999"}, {"Sec-Fetch-Site", "same-origin"}},
       "host_refused"},
      {"rebinding to a name that embeds an IP",
       {{"Host", "192.168.1.5.nip.io:9999"}, {"Origin", "http://192.168.1.5.nip.io:9999"}},
       "host_refused"},
      {"rebinding to a longer own name",
       {{"Host", "spark-ctl.evil.com:9999"}, {"Origin", "http://spark-ctl.evil.com:9999"}},
       "host_refused"},
      // Untrusted peers cannot choose their name or scheme with forwarded headers.
      {"untrusted X-Forwarded-Host",
       {{"Host", "evil.example.com:9999"},
        {"X-Forwarded-Host", "spark-ctl:9999"},
        {"Origin", "http://evil.example.com:9999"}},
       "host_refused"},
  });
}

TEST(RequestGuard, CrossSiteRequestsAreRefusedByTheOriginRule) {
  ExpectDefaultVerdicts({
      {"other origin",
       {{"Host", "192.168.1.5:9999"}, {"Origin", "http://evil.example.com"}},
       "origin_refused"},
      {"other port",
       {{"Host", "192.168.1.5:9999"}, {"Origin", "http://192.168.1.5:8080"}},
       "origin_refused"},
      {"null origin", {{"Host", "192.168.1.5:9999"}, {"Origin", "null"}}, "origin_refused"},
      {"garbage origin",
       {{"Host", "192.168.1.5:9999"}, {"Origin", "file:///etc"}},
       "origin_refused"},
      {"cross-site without Origin",
       {{"Host", "192.168.1.5:9999"}, {"Sec-Fetch-Site", "cross-site"}},
       "origin_refused"},
      {"same-site without Origin",
       {{"Host", "192.168.1.5:9999"}, {"Sec-Fetch-Site", "same-site"}},
       "origin_refused"},
  });
}

TEST(RequestGuard, BehindAReverseProxyThatPassesHostThroughOnlyOwnNamesPass) {
  // The proxy is not a trusted proxy, so Host and Origin are what the browser sent.
  ExpectDefaultVerdicts({
      {"tls proxy, host passed",
       {{"Host", "panel.example.org"}, {"Origin", "https://panel.example.org"}},
       "host_refused"},
      {"tls proxy, own name",
       {{"Host", "spark-ctl.home.arpa"}, {"Origin", "https://spark-ctl.home.arpa"}},
       "ok"},
      {"plain proxy, default port", {{"Host", "spark-ctl"}, {"Origin", "http://spark-ctl"}}, "ok"},
      {"host without port, origin with one",
       {{"Host", "spark-ctl"}, {"Origin", "https://spark-ctl:8443"}},
       "origin_refused"},
      {"explicit default port", {{"Host", "spark-ctl:443"}, {"Origin", "https://spark-ctl"}}, "ok"},
  });
}

TEST(RequestGuard, TrustedProxyHeadersDecideNameAndScheme) {
  const Config config = WithProxy();
  const std::vector<Row> rows = {
      {"https behind the proxy",
       {{"Host", "127.0.0.1:9999"},
        {"X-Forwarded-Host", "spark-ctl.home.arpa"},
        {"X-Forwarded-Proto", "https"},
        {"Origin", "https://spark-ctl.home.arpa"}},
       "ok",
       "10.0.0.2"},
      {"scheme mismatch behind the proxy",
       {{"Host", "127.0.0.1:9999"},
        {"X-Forwarded-Host", "spark-ctl.home.arpa"},
        {"X-Forwarded-Proto", "https"},
        {"Origin", "http://spark-ctl.home.arpa"}},
       "origin_refused",
       "10.0.0.2"},
      {"forwarded rebinding name",
       {{"Host", "127.0.0.1:9999"},
        {"X-Forwarded-Host", "evil.example.com"},
        {"X-Forwarded-Proto", "https"},
        {"Origin", "https://evil.example.com"}},
       "host_refused",
       "10.0.0.2"},
      {"last forwarded value counts",
       {{"Host", "127.0.0.1:9999"},
        {"X-Forwarded-Host", "evil.example.com, spark-ctl.local"},
        {"X-Forwarded-Proto", "http, https"},
        {"Origin", "https://spark-ctl.local"}},
       "ok",
       "10.0.0.2"},
      {"same headers from an untrusted peer",
       {{"Host", "127.0.0.1:9999"},
        {"X-Forwarded-Host", "spark-ctl.home.arpa"},
        {"X-Forwarded-Proto", "https"},
        {"Origin", "https://spark-ctl.home.arpa"}},
       "origin_refused",
       "10.0.0.3"},
  };
  for (const Row& row : rows) {
    const Request request = MakeRequest(row.peer, row.headers);
    EXPECT_EQ(Code(CheckSite(request, config, kSite, Access::kMutation, false)), row.expected)
        << row.name;
  }
  const Request forwarded = MakeRequest("10.0.0.2", {{"X-Forwarded-For", "1.2.3.4, 192.168.1.30"}});
  EXPECT_EQ(ResolveSender(forwarded, config).client, "192.168.1.30");
  EXPECT_EQ(ResolveSender(forwarded, Config()).client, "10.0.0.2");
  EXPECT_EQ(ClientAddress("10.0.0.2", "1.2.3.4, 192.168.1.30", config), "192.168.1.30");
  EXPECT_EQ(ClientAddress("10.0.0.9", "1.2.3.4", config), "10.0.0.9");
}

TEST(RequestGuard, AValidTokenLiftsTheHostRuleButNotTheOriginRule) {
  Config config;
  config.auth.token = "s3cret";
  config.auth.report_token = "r3port";
  const Headers rebinding = {{"Host", "panel.example.org"},
                             {"Origin", "https://panel.example.org"},
                             {"Authorization", "Bearer s3cret"}};
  Request request = MakeRequest("192.168.1.20", rebinding);
  ASSERT_TRUE(TokenValid(request, config, Access::kMutation));
  EXPECT_EQ(Code(CheckSite(request, config, kSite, Access::kMutation, true)), "ok");
  // The report token is valid on report routes only.
  request.headers.back().second = "Bearer r3port";
  EXPECT_FALSE(TokenValid(request, config, Access::kMutation));
  EXPECT_TRUE(TokenValid(request, config, Access::kReport));
  EXPECT_EQ(Code(CheckSite(request, config, kSite, Access::kMutation, false)), "host_refused");
  // A token does not make a cross-site Origin acceptable.
  const Request cross = MakeRequest("192.168.1.20", {{"Host", "192.168.1.5:9999"},
                                                     {"Origin", "http://evil.example.com"},
                                                     {"Authorization", "Bearer s3cret"}});
  EXPECT_EQ(Code(CheckSite(cross, config, kSite, Access::kMutation, true)), "origin_refused");
}

TEST(RequestGuard, AllowedHostsAddNamesAndGuardEveryRequest) {
  Config config;
  config.http.allowed_hosts = {"panel.example.org", "alias:9999"};
  const auto code = [&](Headers headers, Access access) {
    const Request request = MakeRequest("192.168.1.20", std::move(headers));
    return Code(CheckSite(request, config, kSite, access, false));
  };
  EXPECT_EQ(code({{"Host", "panel.example.org"}, {"Origin", "https://panel.example.org"}},
                 Access::kMutation),
            "ok");
  EXPECT_EQ(code({{"Host", "alias:9999"}}, Access::kRead), "ok");
  EXPECT_EQ(code({{"Host", "alias:8080"}}, Access::kRead), "host_refused");
  // Set by the operator, the list guards reads too; IP literals and own names still pass.
  EXPECT_EQ(code({{"Host", "evil.example.com"}}, Access::kRead), "host_refused");
  EXPECT_EQ(code({}, Access::kRead), "host_refused");
  EXPECT_EQ(code({{"Host", "192.168.1.5:9999"}}, Access::kRead), "ok");
  EXPECT_EQ(code({{"Host", "spark-ctl.local:9999"}}, Access::kRead), "ok");
  // The refusal names the setting that fixes it.
  const Request rebinding = MakeRequest(
      "192.168.1.20", {{"Host", "evil.example.com"}, {"Origin", "http://evil.example.com"}});
  const auto refused = CheckSite(rebinding, Config(), kSite, Access::kMutation, false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("http.allowed_hosts"), std::string::npos) << refused->body;
}

TEST(RequestGuard, AllowedOriginsAdmitOtherOriginsButNeverNull) {
  Config config;
  config.http.allowed_origins = {"https://grafana.example.org", "null", "app://thing"};
  const auto code = [&](const std::string& origin) {
    const Request request =
        MakeRequest("192.168.1.20", {{"Host", "192.168.1.5:9999"}, {"Origin", origin}});
    return Code(CheckSite(request, config, kSite, Access::kMutation, false));
  };
  EXPECT_EQ(code("https://grafana.example.org"), "ok");
  EXPECT_EQ(code("https://GRAFANA.example.org:443"), "ok");
  EXPECT_EQ(code("https://grafana.example.org:8443"), "origin_refused");
  EXPECT_EQ(code("app://thing"), "ok");
  EXPECT_EQ(code("null"), "origin_refused");
}

TEST(RequestGuard, TokensAndContentType) {
  Config config;
  Request request = MakeRequest("192.168.1.20", {});
  EXPECT_EQ(Code(CheckToken(request, config, Access::kMutation)), "ok");  // no token set: open
  config.auth.token = "s3cret";
  EXPECT_EQ(Code(CheckToken(request, config, Access::kMutation)), "unauthorized");
  request.headers = {{"Authorization", "bearer s3cret"}};
  EXPECT_EQ(Code(CheckToken(request, config, Access::kMutation)), "ok");
  request.headers = {{"Authorization", "Bearer s3cre"}};
  EXPECT_EQ(Code(CheckToken(request, config, Access::kMutation)), "unauthorized");
  request.headers = {{"Authorization", "Bearer "}};
  EXPECT_EQ(Code(CheckToken(request, config, Access::kReport)), "unauthorized");

  request.body = "{}";
  request.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  EXPECT_EQ(Code(CheckContentType(request)), "ok");
  request.headers = {{"Content-Type", "text/plain"}};
  EXPECT_EQ(Code(CheckContentType(request)), "unsupported_media_type");
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(HostNames, BareDottedLocalAndResolverDomains) {
  const auto names = HostNamesFor("Spark-Ctl.lan",
                                  "# resolver\nnameserver 10.0.0.1\n"
                                  "domain home.arpa\nsearch example.org corp. # x\n");
  const std::vector<std::string> expected = {"spark-ctl.lan",         "spark-ctl",
                                             "spark-ctl.local",       "spark-ctl.home.arpa",
                                             "spark-ctl.example.org", "spark-ctl.corp"};
  EXPECT_EQ(names, expected);
  EXPECT_TRUE(HostNamesFor("", "search x").empty());
}

}  // namespace
}  // namespace spark
