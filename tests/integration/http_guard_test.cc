// The HTTP layer against the real binary: one deep body per JSON route must not kill the
// process, DNS rebinding is refused by default, a PUT cannot lock out its own sender, and the
// auth matrix over every mutating route of the route table holds with auth on and off.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

struct RouteEntry {
  std::string method;
  std::string pattern;
  std::string access;  // read, mutation, report
};

// The route table as the server lists it at debug level ("route METHOD PATTERN ACCESS").
std::vector<RouteEntry> RouteTable(const SparkControl& app) {
  std::vector<RouteEntry> routes;
  std::istringstream lines(app.StderrText());
  std::string line;
  while (std::getline(lines, line)) {
    const size_t at = line.find(" route ");
    if (at == std::string::npos) continue;
    std::istringstream words(line.substr(at + 7));
    RouteEntry entry;
    words >> entry.method >> entry.pattern >> entry.access;
    if (!entry.access.empty()) routes.push_back(entry);
  }
  return routes;
}

// "/api/models/{id}/overrides" → "/api/models/zz/overrides".
std::string Fill(std::string pattern) {
  for (size_t open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
    pattern.replace(open, pattern.find('}', open) - open + 1, "zz");
  }
  return pattern;
}

// No 5xx — but a route that needs a Spark may say 503 not_configured: no Spark has a host here
// (the state refuses it, not the input).
void ExpectNoServerError(const Reply& reply, const RouteEntry& r, const std::string& name) {
  if (r.method == "POST" && r.pattern == "/api/update/apply" && reply.status == 503) {
    EXPECT_EQ(ErrorCode(reply), "not_configured") << name << " " << reply.body;
    return;
  }
  EXPECT_LT(reply.status, 500) << name << " " << reply.body;
}

class HttpGuard : public ::testing::Test {
 protected:
  void Start(const std::string& config) {
    std::ofstream(dir_ / "config.yaml") << config;
    app_ = std::make_unique<SparkControl>(
        std::vector<std::string>{"--config", (dir_ / "config.yaml").string(), "--data-dir",
                                 (dir_ / "data").string(), "--log-level", "debug"});
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }
  std::string HostPort() const { return app_->url().substr(std::string("http://").size()); }
  std::vector<RouteEntry> Mutations() const {
    std::vector<RouteEntry> out;
    for (const RouteEntry& r : RouteTable(*app_)) {
      if (r.access != "read") out.push_back(r);
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(HttpGuard, FiveThousandLevelsDeepBodiesAreRefusedOnEveryRouteAndTheProcessLives) {
  Start("limits: {report_rate_per_client: 0}\n");
  const std::vector<RouteEntry> routes = Mutations();
  // The routes that take a JSON body (each must answer invalid_json); the rest ignore bodies.
  const std::set<std::string> json_routes = {"POST /api/health-event",
                                             "POST /api/diarization",
                                             "PUT /api/config",
                                             "POST /api/ssh/known-hosts/{spark}",
                                             "POST /api/swap",
                                             "POST /api/models",
                                             "PUT /api/models/{id}/overrides"};
  std::set<std::string> seen;
  for (const RouteEntry& r : routes) seen.insert(r.method + " " + r.pattern);
  for (const std::string& name : json_routes) EXPECT_TRUE(seen.count(name)) << name;

  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const std::vector<std::string> bodies = {
      deep, "{\"cluster\":" + deep + "}", "{\"http\":{\"allowed_hosts\":" + deep + "}}",
      "{\"model\":" + deep + ",\"args\":" + deep + "}", "{\"segments\":" + deep + "}"};
  for (const RouteEntry& r : routes) {
    if (r.method == "DELETE") continue;
    const std::string name = r.method + " " + r.pattern;
    for (const std::string& body : bodies) {
      const Reply reply = SendJson(r.method, Url(Fill(r.pattern)), body);
      ASSERT_NE(reply.status, 0) << name << ": no answer (" << reply.error << ")";
      ExpectNoServerError(reply, r, name);
      if (json_routes.count(name)) {
        EXPECT_EQ(reply.status, 400) << name << " " << reply.body;
        EXPECT_EQ(ErrorCode(reply), "invalid_json") << name;
      }
    }
    ASSERT_EQ(Get(Url("/healthz")).status, 200) << "after " << name;
  }
  EXPECT_TRUE(app_->process().running());
  // Below 64 levels the config route, which merges and copies a patch several times, still
  // refuses more nesting than its schema has (an ASan build overflowed at 30).
  for (const int depth : {9, 16, 24, 32, 48, 63}) {
    const std::string nested = "{\"http\":{\"allowed_hosts\":" + std::string(depth - 2, '[') +
                               std::string(depth - 2, ']') + "}}";
    const Reply reply = SendJson("PUT", Url("/api/config"), nested);
    EXPECT_EQ(reply.status, 400) << depth << " " << reply.body;
    EXPECT_EQ(ErrorCode(reply), "invalid_field") << depth;
  }
  ASSERT_EQ(Get(Url("/healthz")).status, 200);
  // 64 levels is still JSON the routes read.
  const std::string ok_depth =
      "{\"cluster\":\"c\",\"x\":" + std::string(62, '[') + std::string(62, ']') + "}";
  EXPECT_EQ(ErrorCode(SendJson("PUT", Url("/api/config"), ok_depth)), "invalid_field");
}

TEST_F(HttpGuard, DnsRebindingIsRefusedByDefaultAndTheUiKeepsWorking) {
  Start("");
  const std::string body = R"({"model":"no-such-model"})";
  // A page on evil.example.com that re-pointed its name at us: Origin == Host.
  Reply r = SendJson("POST", Url("/api/swap"), body,
                     {"Host: evil.example.com:9999", "Origin: http://evil.example.com:9999"});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(ErrorCode(r), "host_refused");
  EXPECT_NE(r.body.find("http.allowed_hosts"), std::string::npos) << r.body;
  r = SendJson("PUT", Url("/api/config"), R"({"cluster":"pwned"})",
               {"Host: evil.example.com", "Sec-Fetch-Site: same-origin"});
  EXPECT_EQ(ErrorCode(r), "host_refused");
  EXPECT_EQ(json::parse(Get(Url("/api/config")).body)["cluster"], "default");
  // Reads stay open under any name; scripts (no Origin) are not affected.
  EXPECT_EQ(Http("GET", Url("/api/status"), "", {"Host: evil.example.com"}).status, 200);
  r = SendJson("POST", Url("/api/swap"), body, {"Host: evil.example.com"});
  EXPECT_NE(r.status, 403) << r.body;
  // The UI by IP, and behind a TLS proxy that passes Host through under localhost.
  r = SendJson("POST", Url("/api/swap"), body, {"Origin: " + app_->url()});
  EXPECT_NE(r.status, 403) << r.body;
  r = SendJson("POST", Url("/api/swap"), body, {"Host: localhost", "Origin: https://localhost"});
  EXPECT_NE(r.status, 403) << r.body;
  // Cross-site pages and null origins.
  r = SendJson("POST", Url("/api/swap"), body, {"Origin: null"});
  EXPECT_EQ(ErrorCode(r), "origin_refused");
  r = SendJson("POST", Url("/api/swap"), body, {"Sec-Fetch-Site: cross-site"});
  EXPECT_EQ(ErrorCode(r), "origin_refused");
}

TEST_F(HttpGuard, TrustedProxyHeadersCountOnlyFromTrustedProxies) {
  Start("http: {trusted_proxies: [\"127.0.0.1\"], allowed_hosts: [\"panel.example.org\"]}\n");
  const std::string body = R"({"model":"no-such-model"})";
  Reply r = SendJson("POST", Url("/api/swap"), body,
                     {"X-Forwarded-Host: panel.example.org", "X-Forwarded-Proto: https",
                      "Origin: https://panel.example.org"});
  EXPECT_NE(r.status, 403) << r.body;
  r = SendJson("POST", Url("/api/swap"), body,
               {"X-Forwarded-Host: evil.example.com", "X-Forwarded-Proto: https",
                "Origin: https://evil.example.com"});
  EXPECT_EQ(ErrorCode(r), "host_refused");
}

TEST_F(HttpGuard, APutThatWouldLockOutItsSenderIsRefused) {
  Start("");
  const std::vector<std::string> as_panel = {"Host: panel.example.org"};
  Reply r = SendJson("PUT", Url("/api/config"), R"({"http":{"allowed_hosts":["x"]}})", as_panel);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorCode(r), "conflict");
  EXPECT_EQ(ErrorField(r), "http.allowed_hosts");
  // Nothing changed: the same name still reads and writes.
  EXPECT_EQ(Http("GET", Url("/api/config"), "", as_panel).status, 200);
  r = SendJson("PUT", Url("/api/config"), R"({"http":{"allowed_hosts":["panel.example.org"]}})",
               as_panel);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Http("GET", Url("/api/status"), "", as_panel).status, 200);
  EXPECT_EQ(ErrorCode(Http("GET", Url("/api/status"), "", {"Host: other.example.org"})),
            "host_refused");
  // Raising the SSE cap past the start value needs a restart.
  r = SendJson("PUT", Url("/api/config"), R"({"limits":{"max_sse_clients":65}})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorField(r), "limits.max_sse_clients");
  EXPECT_NE(r.body.find("restart"), std::string::npos);
  EXPECT_EQ(SendJson("PUT", Url("/api/config"), R"({"limits":{"max_sse_clients":8}})").status, 200);
}

// Every mutating route × {no, wrong, report, admin token} × {auth on, off}. Each request comes
// from its own address (X-Forwarded-For from a trusted loopback proxy), so the 401 throttle
// does not mix in.
TEST_F(HttpGuard, AuthMatrixOverEveryMutatingRoute) {
  for (const bool auth_on : {true, false}) {
    SCOPED_TRACE(auth_on ? "auth on" : "auth off");
    const std::string tokens =
        auth_on ? "auth: {token: admin-secret, report_token: report-secret}\n" : "";
    Start(tokens +
          "http: {trusted_proxies: [\"127.0.0.1\"]}\n"
          "limits: {report_rate_per_client: 0}\n");
    const std::vector<RouteEntry> routes = Mutations();
    ASSERT_GE(routes.size(), 10u) << app_->StderrText();
    int client = 0;
    for (const RouteEntry& r : routes) {
      for (const std::string token : {"", "wrong", "report-secret", "admin-secret"}) {
        const std::string name = r.method + " " + r.pattern + " token '" + token + "'";
        std::vector<std::string> headers = {"X-Forwarded-For: 10.9.0." + std::to_string(++client)};
        if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
        const Reply reply = r.method == "DELETE"
                                ? Http(r.method, Url(Fill(r.pattern)), "", headers)
                                : SendJson(r.method, Url(Fill(r.pattern)), "{}", headers);
        ASSERT_NE(reply.status, 0) << name;
        ExpectNoServerError(reply, r, name);
        const bool right_token =
            token == "admin-secret" || (token == "report-secret" && r.access == "report");
        if (auth_on && !right_token) {
          EXPECT_EQ(reply.status, 401) << name << " " << reply.body;
          EXPECT_EQ(ErrorCode(reply), "unauthorized") << name;
        } else {
          EXPECT_NE(reply.status, 401) << name << " " << reply.body;
        }
      }
    }
    app_.reset();
  }
}

TEST_F(HttpGuard, RepeatedWrongTokensFromOneAddressAreThrottled) {
  Start("auth: {token: admin-secret}\n");
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(SendJson("POST", Url("/api/swap"), "{}", {"Authorization: Bearer guess"}).status,
              401);
  }
  Reply r = SendJson("POST", Url("/api/swap"), "{}", {"Authorization: Bearer admin-secret"});
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(ErrorCode(r), "rate_limited");
  EXPECT_GE(std::stoi(r.headers["retry-after"]), 1);
  EXPECT_EQ(Get(Url("/api/status")).status, 200);  // reads are not throttled
}

}  // namespace
}  // namespace spark::test
