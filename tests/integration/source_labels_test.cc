// Source labels on a live process: after an unauthenticated flood of client names (while no
// token is set, reports are open), a report token set live and a report sent with it
// (health-event and diarization alike) still gets its own label.
#include <gtest/gtest.h>

#include <fstream>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

class SourceLabelsLive : public ::testing::Test {
 protected:
  SourceLabelsLive() {
    std::ofstream(dir_ / "config.yaml") << "limits: {report_rate_per_client: 0}\n";
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (dir_ / "config.yaml").string(), "--data-dir", (dir_ / "data").string()});
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }
  static constexpr const char* kToken = "report-token-for-tests";

  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(SourceLabelsLive, AReportWithATokenGetsItsLabelAfterAFlood) {
  const std::string auth = std::string("Authorization: Bearer ") + kToken;
  for (int i = 0; i < 100; ++i) {
    const std::string name = "flood-" + std::to_string(i);
    ASSERT_EQ(SendJson("POST", Url("/api/health-event"),
                       R"({"service":"vllm","ok":true,"source":")" + name + "\"}")
                  .status,
              202);
    ASSERT_EQ(SendJson("POST", Url("/api/diarization"),
                       R"({"source":")" + name + R"(","segments":["0 1 speaker_0"]})")
                  .status,
              200);
  }
  ASSERT_EQ(SendJson("PUT", Url("/api/config"),
                     std::string(R"({"auth":{"report_token":")") + kToken + "\"}}")
                .status,
            200);
  ASSERT_EQ(SendJson("POST", Url("/api/health-event"),
                     R"({"service":"vllm","ok":false,"source":"recap-relay"})", {auth})
                .status,
            202);
  ASSERT_EQ(SendJson("POST", Url("/api/diarization"),
                     R"({"source":"recap-relay","segments":["0 1 speaker_0"]})", {auth})
                .status,
            200);
  const std::string metrics = Get(Url("/metrics")).body;
  EXPECT_EQ(MetricValue(metrics,
                        "spark_control_health_reports_total{cluster=\"default\","
                        "service=\"vllm\",source=\"recap-relay\",outcome=\"failure\"}"),
            1);
  EXPECT_EQ(MetricValue(metrics,
                        "spark_control_health_reports_total{cluster=\"default\","
                        "service=\"vllm\",source=\"other\",outcome=\"ok\"}"),
            100 - 24);
  EXPECT_EQ(MetricValue(metrics,
                        "spark_control_diarization_segments_total{cluster=\"default\","
                        "source=\"recap-relay\",confidence=\"unknown\"}"),
            1);
  EXPECT_EQ(MetricValue(metrics,
                        "spark_control_diarization_segments_total{cluster=\"default\","
                        "source=\"other\",confidence=\"unknown\"}"),
            100 - 24);
}

}  // namespace
}  // namespace spark::test
