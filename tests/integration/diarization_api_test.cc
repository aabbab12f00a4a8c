// POST /api/diarization on the real binary: both forms, NeMo strings, labels with "?", 400s
// naming the field, 413s for huge input, access like health reports, and /metrics counting
// exactly what was posted.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

class DiarizationApi : public ::testing::Test {
 protected:
  explicit DiarizationApi(std::string config = "limits: {report_rate_per_client: 0}\n") {
    std::ofstream(dir_ / "config.yaml") << config;
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "config.yaml").string(), "--data-dir", (dir_ / "data").string()});
  }
  Reply Post(const std::string& body, std::vector<std::string> headers = {}) {
    return SendJson("POST", app_->url() + "/api/diarization", body, std::move(headers));
  }
  std::string Metrics() { return Get(app_->url() + "/metrics").body; }

  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

std::string Series(const std::string& family, const std::string& labels,
                   const std::string& cluster = "default") {
  return "spark_control_diarization_" + family + "{cluster=\"" + cluster + "\"," + labels + "}";
}

TEST_F(DiarizationApi, TheReportFormLabelsSegmentsAndFeedsTheHistograms) {
  const Reply r = Post(R"({"source":"recap-relay","segments":[
      {"start":0.0,"end":1.2,"speaker":"speaker_0","confidence":0.91},
      {"start":1.2,"end":2.0,"speaker":"speaker_1","confidence":0.3},
      {"start":2.0,"end":2.5,"speaker":"speaker_0","confidence":null},
      {"start":2.5,"end":3.0,"speaker":"speaker_1","confidence":0.5}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  const json body = json::parse(r.body);
  EXPECT_EQ(body, json::parse(R"({"segments":[
      {"start":0.0,"end":1.2,"speaker":"speaker_0","confidence":0.91,"label":"Speaker_0"},
      {"start":1.2,"end":2.0,"speaker":"speaker_1","confidence":0.3,"label":"Speaker_1?"},
      {"start":2.0,"end":2.5,"speaker":"speaker_0","confidence":null,"label":"Speaker_0"},
      {"start":2.5,"end":3.0,"speaker":"speaker_1","confidence":0.5,"label":"Speaker_1"}],
      "uncertain":1})"));

  const std::string metrics = Metrics();
  const std::string relay = "source=\"recap-relay\"";
  EXPECT_EQ(MetricValue(metrics, Series("segment_confidence_count", relay)), 3);
  EXPECT_DOUBLE_EQ(MetricValue(metrics, Series("segment_confidence_sum", relay)), 0.91 + 0.3 + 0.5);
  for (const auto& [le, count] : std::vector<std::pair<std::string, int>>{
           {"0.2", 0}, {"0.3", 1}, {"0.4", 1}, {"0.5", 2}, {"0.9", 2}, {"1", 3}, {"+Inf", 3}}) {
    EXPECT_EQ(
        MetricValue(metrics, Series("segment_confidence_bucket", relay + ",le=\"" + le + "\"")),
        count)
        << le;
  }
  EXPECT_EQ(MetricValue(metrics, Series("segments_total", relay + ",confidence=\"known\"")), 3);
  EXPECT_EQ(MetricValue(metrics, Series("segments_total", relay + ",confidence=\"unknown\"")), 1);
  EXPECT_EQ(MetricValue(metrics, Series("uncertain_segments_total", relay)), 1);
}

TEST_F(DiarizationApi, TheComputeFormScoresNemoSegmentsFromTheTensor) {
  // 10 frames at 12.5 fps; speaker_0 fades out while speaker_1 fades in.
  json probs = json::array();
  for (int f = 0; f < 10; ++f) probs.push_back({0.9 - 0.1 * f, 0.05 + 0.1 * f, 0, 0});
  const json request = {
      {"segments",
       {"0.000 0.240 speaker_0", "0.560 0.800 speaker_1", "0.240 0.560 speaker_0",
        json{{"start", 0.0}, {"end", 0.08}, {"speaker", "speaker_3"}, {"confidence", 0.99}},
        "0.000 0.800 speaker_4", "0.8 0.9 speaker_0"}},
      {"probs", probs},
      {"duration", 0.8}};
  const Reply r = Post(request.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json segments = json::parse(r.body)["segments"];
  ASSERT_EQ(segments.size(), 6u);
  EXPECT_NEAR(segments[0]["confidence"].get<double>(), 0.8, 1e-9);  // frames 0–2
  EXPECT_EQ(segments[0]["label"], "Speaker_0");
  EXPECT_EQ(segments[0]["start"], 0.0);
  EXPECT_EQ(segments[0]["speaker"], "speaker_0");
  EXPECT_NEAR(segments[1]["confidence"].get<double>(), 0.85, 1e-9);  // frames 7–9
  EXPECT_NEAR(segments[2]["confidence"].get<double>(), 0.45, 1e-9);  // frames 3–6
  EXPECT_EQ(segments[2]["label"], "Speaker_0?");
  EXPECT_EQ(segments[3]["confidence"], 0.0) << "probs win over the reported 0.99";
  EXPECT_EQ(segments[3]["label"], "Speaker_3?");
  EXPECT_EQ(segments[4]["confidence"], nullptr) << "speaker 4 of 4";
  EXPECT_EQ(segments[4]["label"], "Speaker_4");
  EXPECT_EQ(segments[5]["confidence"], nullptr) << "after the audio";
  EXPECT_EQ(json::parse(r.body)["uncertain"], 2);

  const std::string metrics = Metrics();
  const std::string unknown = "source=\"unknown\"";  // no source sent
  EXPECT_EQ(MetricValue(metrics, Series("segments_total", unknown + ",confidence=\"known\"")), 4);
  EXPECT_EQ(MetricValue(metrics, Series("segments_total", unknown + ",confidence=\"unknown\"")), 2);
  EXPECT_EQ(MetricValue(metrics, Series("segment_confidence_count", unknown)), 4);
  EXPECT_EQ(MetricValue(metrics, Series("segment_confidence_bucket", unknown + ",le=\"0.1\"")), 1);
}

TEST_F(DiarizationApi, BadInputIsA400NamingTheFieldAndCountsNothing) {
  const std::string ok = R"({"start":0,"end":1,"speaker":"speaker_0"})";
  const std::string three = ok + "," + ok + "," + ok;
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"{oops", "invalid_json", ""},
      {R"({"source":"x"})", "missing_field", "segments"},
      {R"({"segments":[)" + three + R"(,{"end":1,"speaker":"speaker_0"}]})", "missing_field",
       "segments[3].start"},
      {R"({"segments":[)" + three + R"(,{"start":"0.5","end":1,"speaker":"speaker_0"}]})",
       "invalid_field", "segments[3].start"},
      {R"({"segments":[{"start":0,"end":"1","speaker":"speaker_0"}]})", "invalid_field",
       "segments[0].end"},
      {R"({"segments":[{"start":0,"end":1}]})", "missing_field", "segments[0].speaker"},
      {R"({"segments":[{"start":0,"end":1,"speaker":"speaker_0","confidence":1.5}]})",
       "invalid_field", "segments[0].confidence"},
      {R"({"segments":["0.5 speaker_0"]})", "invalid_field", "segments[0]"},
      {R"({"segments":[],"probs":[[0.5]]})", "missing_field", "duration"},
      {R"({"segments":[],"probs":[[0.5,"x"]],"duration":1})", "invalid_field", "probs[0][1]"},
  };
  for (const auto& [body, code, field] : cases) {
    const Reply r = Post(body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(ErrorCode(r), code) << body;
    EXPECT_EQ(ErrorField(r), field) << body;
  }
  EXPECT_EQ(Metrics().find("spark_control_diarization_segments_total{"), std::string::npos);
  EXPECT_EQ(Get(app_->url() + "/healthz").status, 200);
}

class SmallDiarizationLimits : public DiarizationApi {
 protected:
  SmallDiarizationLimits()
      : DiarizationApi(
            "limits: {report_rate_per_client: 0, max_diarization_body_bytes: 2000000,"
            " max_diarization_cells: 40000}\n") {}
};

std::string TensorBody(int frames, int speakers) {
  std::string body = R"({"segments":["0 1 speaker_0"],"duration":1,"probs":[)";
  for (int f = 0; f < frames; ++f) {
    body += f == 0 ? "[" : ",[";
    for (int s = 0; s < speakers; ++s) body += s == 0 ? "0.50000" : ",0.50000";
    body += "]";
  }
  return body + "]}";
}

TEST_F(SmallDiarizationLimits, HugeInputIs413AndTheRouteHasItsOwnBodyLimit) {
  // 10,000 × 4 = the cap: accepted, although the body is far above max_body_bytes (256 KiB).
  const std::string at_cap = TensorBody(10000, 4);
  ASSERT_GT(at_cap.size(), 262144u);
  Reply r = Post(at_cap);
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 200);
  EXPECT_EQ(json::parse(r.body)["segments"][0]["confidence"], 0.5);
  // A client waiting for "100 Continue" before a large body gets it at once (curl waits 1 s).
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Post(at_cap, {"Expect: 100-continue"}).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(700));
  // One frame more is over T × S.
  r = Post(TensorBody(10001, 4));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "body_too_large");
  EXPECT_EQ(ErrorField(r), "probs");
  EXPECT_NE(
      json::parse(r.body)["error"]["message"].get<std::string>().find("more than 40000 cells"),
      std::string::npos)
      << r.body;
  // A body over max_diarization_body_bytes is refused before it is read.
  r = Post(TensorBody(70000, 4));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "body_too_large");
  EXPECT_EQ(ErrorField(r), "");
  // More segments than cells.
  std::string segments = R"({"segments":[)";
  for (int i = 0; i <= 40000; ++i) segments += i == 0 ? "\"0 1 speaker_0\"" : ",\"0 1 speaker_0\"";
  r = Post(segments + "]}");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorField(r), "segments");
  // A deeply nested body is bad JSON, not a crash.
  r = Post(std::string(1500000, '['));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_json");
  EXPECT_EQ(Get(app_->url() + "/healthz").status, 200);
}

class GuardedDiarization : public DiarizationApi {
 protected:
  GuardedDiarization()
      : DiarizationApi(
            "auth: {token: admin-secret, report_token: report-secret}\n"
            "diarization: {uncertain_below: 0.95}\n") {}
};

TEST_F(GuardedDiarization, ReportAndAdminTokensAreAcceptedAndTheThresholdIsConfigurable) {
  const std::string body =
      R"({"segments":[{"start":0,"end":1,"speaker":"speaker_0","confidence":0.91}]})";
  EXPECT_EQ(Post(body).status, 401);
  EXPECT_EQ(Post(body, {"Authorization: Bearer wrong"}).status, 401);
  EXPECT_EQ(Post(body, {"Authorization: Bearer admin-secret"}).status, 200);
  const Reply r = Post(body, {"Authorization: Bearer report-secret"});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["segments"][0]["label"], "Speaker_0?");  // 0.91 < 0.95
  EXPECT_EQ(Http("POST", app_->url() + "/api/diarization", body,
                 {"Content-Type: text/plain", "Authorization: Bearer report-secret"})
                .status,
            415);
}

class RateLimitedDiarization : public DiarizationApi {
 protected:
  RateLimitedDiarization()
      : DiarizationApi("limits: {report_rate_per_client: 1, report_burst: 3}\n") {}
};

TEST_F(RateLimitedDiarization, ClientsWithoutATokenAreRateLimited) {
  int accepted = 0, limited = 0;
  for (int i = 0; i < 6; ++i) {
    const Reply r = Post(R"({"segments":[]})");
    accepted += r.status == 200;
    limited += r.status == 429;
  }
  EXPECT_GE(accepted, 3);
  EXPECT_LE(accepted, 4);  // the burst, plus at most one token refilled meanwhile
  EXPECT_EQ(accepted + limited, 6);
}

TEST(DiarizationDemo, TheDemoPostsSyntheticDiarizationFromStartUp) {
  TempDir dir;
  SparkControl app({"--demo", "--data-dir", dir.path().string()});
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = Get(app.url() + "/metrics").body;
    if (MetricValue(metrics, Series("segments_total", "source=\"recap-relay\",confidence=\"known\"",
                                    "lab")) > 0 &&
        MetricValue(metrics, Series("uncertain_segments_total", "source=\"recap-relay\"", "lab")) >
            0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GT(
      MetricValue(metrics, Series("segment_confidence_count", "source=\"recap-relay\"", "lab")), 0)
      << metrics;
  EXPECT_GT(
      MetricValue(metrics, Series("uncertain_segments_total", "source=\"recap-relay\"", "lab")), 0);
}

}  // namespace
}  // namespace spark::test
