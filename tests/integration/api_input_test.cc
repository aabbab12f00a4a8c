// Bad input to every route of the foundation: a clear 4xx naming the field, nothing stored
// for rejected input, label cardinality bounded, and the process keeps serving.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

class ApiInput : public ::testing::Test {
 protected:
  explicit ApiInput(std::string extra_config = "limits: {report_rate_per_client: 0}\n") {
    std::ofstream(dir_ / "config.yaml") << extra_config;
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "config.yaml").string(), "--data-dir", (dir_ / "data").string()});
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }
  // Reports in the connectivity log (transitions of the unconfigured services come and go).
  size_t ReportCount() {
    return json::parse(Get(Url("/api/events?type=report&limit=1000")).body)["events"].size();
  }

  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(ApiInput, HealthEventRejectsBadBodiesWithTheFieldAndStoresNothing) {
  const size_t before = ReportCount();
  const std::string metrics_before = Get(Url("/metrics")).body;
  struct Case {
    std::string body;
    long status;
    std::string code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"{not json", 400, "invalid_json", ""},
      {"[1,2]", 400, "invalid_json", ""},
      {"{\"ok\":true}", 400, "missing_field", "service"},
      {"{\"service\":\"vllm\"}", 400, "missing_field", "ok"},
      {"{\"service\":42,\"ok\":true}", 400, "invalid_field", "service"},
      {"{\"service\":\"vllm\",\"ok\":\"yes\"}", 400, "invalid_field", "ok"},
      {"{\"service\":\"vllm\",\"ok\":true,\"ms\":-1}", 400, "invalid_field", "ms"},
      {"{\"service\":\"vllm\",\"ok\":true,\"ms\":\"12\"}", 400, "invalid_field", "ms"},
      {"{\"service\":\"whisper\",\"ok\":true}", 400, "unknown_service", "service"},
      {"{\"service\":\"vllm\",\"ok\":false,\"error\":\"" + std::string(5000, 'e') + "\"}", 400,
       "invalid_field", "error"},
      {"{\"service\":\"vllm\",\"ok\":true,\"source\":\"" + std::string(300, 's') + "\"}", 400,
       "invalid_field", "source"},
      {"{\"service\":\"vllm\",\"ok\":true,\"source\":7}", 400, "invalid_field", "source"},
  };
  for (const Case& c : cases) {
    const Reply r = SendJson("POST", Url("/api/health-event"), c.body);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 80);
    EXPECT_EQ(ErrorCode(r), c.code) << c.body.substr(0, 80);
    EXPECT_EQ(ErrorField(r), c.field) << c.body.substr(0, 80);
  }
  // Wrong content type and oversized bodies.
  Reply r = Http("POST", Url("/api/health-event"), R"({"service":"vllm","ok":true})",
                 {"Content-Type: text/plain"});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(ErrorCode(r), "unsupported_media_type");
  r = SendJson("POST", Url("/api/health-event"), std::string(300 * 1024, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "body_too_large");

  EXPECT_EQ(ReportCount(), before);
  const std::string metrics_after = Get(Url("/metrics")).body;
  EXPECT_EQ(
      MetricValue(metrics_after, "spark_control_events_total{cluster=\"default\",type=\"report\"}"),
      MetricValue(metrics_before,
                  "spark_control_events_total{cluster=\"default\",type=\"report\"}"));
  EXPECT_EQ(metrics_after.find("spark_control_health_reports_total{"), std::string::npos);
  EXPECT_EQ(Get(Url("/healthz")).status, 200);
}

TEST_F(ApiInput, AnAcceptedReportIsInTheLogBeforeThe202) {
  const Reply r = SendJson(
      "POST", Url("/api/health-event"),
      R"({"service":"parakeet","ok":false,"source":"recap-relay","error":"HTTP 503","ms":420})");
  ASSERT_EQ(r.status, 202) << r.body;
  const uint64_t id = json::parse(r.body)["id"];
  const json events =
      json::parse(Get(Url("/api/events?limit=1&since=" + std::to_string(id - 1))).body)["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["id"], id);
  EXPECT_EQ(events[0]["service"], "parakeet");
  EXPECT_EQ(events[0]["type"], "report");
  EXPECT_EQ(events[0]["ok"], false);
  EXPECT_EQ(events[0]["source"], "recap-relay");
  EXPECT_EQ(events[0]["error"], "HTTP 503");
  EXPECT_EQ(events[0]["ms"], 420.0);
  EXPECT_TRUE(std::regex_match(events[0]["ts"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  const std::string metrics = Get(Url("/metrics")).body;
  EXPECT_EQ(
      MetricValue(metrics,
                  "spark_control_health_reports_total{cluster=\"default\",service=\"parakeet\","
                  "source=\"recap-relay\",outcome=\"failure\"}"),
      1);
  EXPECT_EQ(
      MetricValue(
          metrics,
          "spark_control_reported_latency_seconds_sum{cluster=\"default\",service=\"parakeet\","
          "outcome=\"failure\"}"),
      0.42);
}

TEST_F(ApiInput, TenThousandDistinctSourcesKeepTheLabelSetBounded) {
  for (int i = 0; i < 10000; ++i) {
    const Reply r =
        SendJson("POST", Url("/api/health-event"),
                 R"({"service":"vllm","ok":true,"source":"client-)" + std::to_string(i) + "\"}");
    ASSERT_EQ(r.status, 202) << r.body;
  }
  const std::string metrics = Get(Url("/metrics")).body;
  std::set<std::string> sources;
  const std::regex source_label(R"re(spark_control_health_reports_total\{[^}]*source="([^"]*)")re");
  for (std::sregex_iterator it(metrics.begin(), metrics.end(), source_label), end; it != end;
       ++it) {
    sources.insert((*it)[1]);
  }
  EXPECT_EQ(sources.size(), 25u);  // the first 24 names + "other" (8 slots wait for a token)
  EXPECT_TRUE(sources.count("other"));
  EXPECT_EQ(MetricValue(metrics,
                        "spark_control_health_reports_total{cluster=\"default\",service=\"vllm\","
                        "source=\"other\",outcome=\"ok\"}"),
            10000 - 24);
}

TEST_F(ApiInput, EventQueriesValidateTheirParameters) {
  for (const auto& [query, field] :
       std::vector<std::pair<std::string, std::string>>{{"since=abc", "since"},
                                                        {"since=-1", "since"},
                                                        {"type=other", "type"},
                                                        {"limit=0", "limit"},
                                                        {"limit=1001", "limit"},
                                                        {"limit=1e3", "limit"}}) {
    const Reply r = Get(Url("/api/events?" + query));
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(ErrorField(r), field) << query;
  }
  for (const char* type : {"transition", "report", "recovery"}) {
    EXPECT_EQ(Get(Url(std::string("/api/events?type=") + type)).status, 200) << type;
  }
}

TEST_F(ApiInput, ConfigPutRejectsBadPatchesAndKeepsTheConfig) {
  const json before = json::parse(Get(Url("/api/config")).body);
  struct Case {
    std::string body;
    long status;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"{\"sparks\":{\"spark1\":{\"port\":0}}}", 400, "sparks.spark1.port"},
           {"{\"sparks\":{\"spark1\":{\"host\":\"http://x\"}}}", 400, "sparks.spark1.host"},
           {"{\"probe\":{\"interval_s\":\"fast\"}}", 400, "probe.interval_s"},
           {"{\"recovery\":{\"backoff_s\":[]}}", 400, "recovery.backoff_s"},
           {"{\"nonsense\":1}", 400, "nonsense"},
           {"{\"vllm\":{\"spark\":\"spark9\"}}", 400, "vllm.spark"},
           {"[]", 400, ""},
           {"{oops", 400, ""}}) {
    const Reply r = SendJson("PUT", Url("/api/config"), c.body);
    EXPECT_EQ(r.status, c.status) << c.body;
    EXPECT_EQ(ErrorField(r), c.field) << c.body << " " << r.body;
  }
  EXPECT_EQ(json::parse(Get(Url("/api/config")).body), before);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data" / "config.yaml"));
}

TEST_F(ApiInput, ConfigPutRepointsProbesAndWarnsAboutMdnsNames) {
  const Reply r = SendJson(
      "PUT", Url("/api/config"),
      R"({"sparks":{"spark2":{"host":"spark2.local"}},"services":{"magpie":{"port":9100}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["services"]["magpie"]["port"], 9100);
  ASSERT_EQ(body["warnings"].size(), 1u);
  EXPECT_NE(body["warnings"][0].get<std::string>().find("mDNS"), std::string::npos);
  const json endpoints = json::parse(Get(Url("/api/endpoints")).body);
  EXPECT_EQ(endpoints["magpie"]["base_url"], "http://spark2.local:9100");
  EXPECT_EQ(endpoints["vllm"]["base_url"], nullptr);  // Spark 1 is still unset
}

TEST_F(ApiInput, UnknownRoutesAndMethods) {
  Reply r = Get(Url("/api/nothing"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "not_found");
  r = Http("DELETE", Url("/api/health-event"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "POST");
  EXPECT_EQ(ErrorCode(r), "method_not_allowed");
}

class GuardedApi : public ApiInput {
 protected:
  GuardedApi()
      : ApiInput(
            "auth: {token: admin-secret, report_token: report-secret}\n"
            "http: {allowed_hosts: [127.0.0.1]}\n"
            "limits: {report_rate_per_client: 5, report_burst: 10}\n") {}
};

TEST_F(GuardedApi, TokensGuardMutationsAndReports) {
  const std::string body = R"({"service":"vllm","ok":true})";
  EXPECT_EQ(SendJson("POST", Url("/api/health-event"), body).status, 401);
  EXPECT_EQ(
      SendJson("POST", Url("/api/health-event"), body, {"Authorization: Bearer wrong"}).status,
      401);
  EXPECT_EQ(
      SendJson("POST", Url("/api/health-event"), body, {"Authorization: Bearer report-secret"})
          .status,
      202);
  EXPECT_EQ(SendJson("POST", Url("/api/health-event"), body, {"Authorization: Bearer admin-secret"})
                .status,
            202);
  const std::string patch = R"({"cluster":"lab"})";
  EXPECT_EQ(SendJson("PUT", Url("/api/config"), patch).status, 401);
  EXPECT_EQ(
      SendJson("PUT", Url("/api/config"), patch, {"Authorization: Bearer report-secret"}).status,
      401);
  EXPECT_EQ(
      SendJson("PUT", Url("/api/config"), patch, {"Authorization: Bearer admin-secret"}).status,
      200);
  EXPECT_EQ(Get(Url("/api/status")).status, 200);  // reads never need auth
  EXPECT_EQ(json::parse(Get(Url("/api/status")).body)["auth_required"], true);
  const json config = json::parse(Get(Url("/api/config")).body);
  EXPECT_EQ(config["auth"]["token_set"], true);
  EXPECT_EQ(config.dump().find("admin-secret"), std::string::npos);
}

TEST_F(GuardedApi, CrossSiteAndRebindingRequestsAreRefused) {
  const std::string auth = "Authorization: Bearer admin-secret";
  Reply r = SendJson("PUT", Url("/api/config"), "{}", {auth, "Origin: http://evil.example"});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "origin_refused");
  const std::string self = app_->url();
  EXPECT_EQ(SendJson("PUT", Url("/api/config"), "{}", {auth, "Origin: " + self}).status, 200);
  r = Http("GET", Url("/api/status"), "", {"Host: attacker.example"});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "host_refused");
  EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u);
}

TEST_F(GuardedApi, TheReportRateLimitAnswers429AndCountsTheDrops) {
  // Reports without a token are limited per client (here: us, 127.0.0.1).
  std::ofstream(dir_ / "limited.yaml") << "limits: {report_rate_per_client: 5, report_burst: 10}\n";
  SparkControl limited(
      {"--config", (dir_ / "limited.yaml").string(), "--data-dir", (dir_ / "lim").string()});
  int accepted = 0, refused = 0;
  std::string retry_after;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 40; ++i) {
    const Reply r =
        SendJson("POST", limited.url() + "/api/health-event", R"({"service":"vllm","ok":true})");
    if (r.status == 202) ++accepted;
    if (r.status == 429) {
      ++refused;
      retry_after = r.headers.count("retry-after") ? r.headers.at("retry-after") : "";
      EXPECT_EQ(ErrorCode(r), "rate_limited");
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(accepted, 10);
  EXPECT_LE(accepted,
            10 + static_cast<int>(elapsed * 5) + 1);  // the burst plus what refilled meanwhile
  EXPECT_EQ(accepted + refused, 40);
  EXPECT_FALSE(retry_after.empty());
  const std::string metrics = Get(limited.url() + "/metrics").body;
  EXPECT_EQ(
      MetricValue(metrics,
                  "spark_control_events_dropped_total{cluster=\"default\",reason=\"rate_limit\"}"),
      refused);
  // A request carrying the report token is not limited.
  EXPECT_EQ(SendJson("POST", Url("/api/health-event"), R"({"service":"vllm","ok":true})",
                     {"Authorization: Bearer report-secret"})
                .status,
            202);
}

}  // namespace
}  // namespace spark::test
