// /metrics on a live process (after health and diarization reports): Debian's promtool finds
// nothing to complain about, every spark_control_ series carries `cluster`, known label
// combinations start at 0.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "support/eventually.h"
#include "support/http.h"
#include "support/loopback_server.h"
#include "support/process.h"

namespace spark::test {
namespace {

// Runs `promtool check metrics` on `text`; its output (empty = clean) and exit code.
std::pair<int, std::string> PromtoolCheck(const std::string& text) {
  TempDir dir;
  std::ofstream(dir / "scrape.txt") << text;
  const std::string command = "promtool check metrics < " + (dir / "scrape.txt").string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buf[512];
  while (pipe != nullptr && fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  const int status = pipe == nullptr ? -1 : pclose(pipe);
  return {status, output};
}

TEST(Metrics, ALiveScrapeIsCleanForPromtool) {
  LoopbackServer vllm(Behaviour::kOk, VllmModelsBody("Qwen/Qwen3-0.6B"));
  TempDir dir;
  std::ofstream(dir / "c.yaml") << "cluster: lab\nvllm: {host: 127.0.0.1, port: " << vllm.port()
                                << "}\n"
                                << "probe: {interval_s: 0.2, timeout_s: 0.1}\n";
  SparkControl app({"--config", (dir / "c.yaml").string(), "--data-dir", (dir / "d").string()});
  ASSERT_EQ(
      SendJson("POST", app.url() + "/api/health-event", R"({"service":"vllm","ok":false,"ms":12})")
          .status,
      202);
  // Both diarization forms, with known, uncertain and null confidences.
  ASSERT_EQ(
      SendJson("POST", app.url() + "/api/diarization",
               R"({"source":"recap-relay","segments":[)"
               R"({"start":0,"end":1,"speaker":"speaker_0","confidence":0.9},)"
               R"({"start":1,"end":2,"speaker":"speaker_1","confidence":0.2},"2 3 speaker_1"]})")
          .status,
      200);
  ASSERT_EQ(SendJson("POST", app.url() + "/api/diarization",
                     R"({"segments":["0 0.16 speaker_0","0 0.16 speaker_5"],)"
                     R"("probs":[[0.9,0.1],[0.7,0.3]],"duration":0.16})")
                .status,
            200);
  // Until the poller has probed vLLM up (its first probes may still be in flight).
  Reply scrape;
  ASSERT_TRUE(Eventually([&] {
    scrape = Get(app.url() + "/metrics");
    return scrape.body.find(
               "spark_control_service_up{cluster=\"lab\",service=\"vllm\",kind=\"llm\"} 1") !=
           std::string::npos;
  })) << scrape.body;
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto [code, output] = PromtoolCheck(scrape.body);
  EXPECT_EQ(code, 0) << output;
  EXPECT_EQ(output, "") << output;

  // Every spark_control_ sample has cluster="lab" first; process_ ones have no cluster.
  std::istringstream lines(scrape.body);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("spark_control_", 0) == 0) {
      ++samples;
      EXPECT_NE(line.find("{cluster=\"lab\""), std::string::npos) << line;
    } else {
      EXPECT_EQ(line.rfind("process_", 0), 0u) << line;
      EXPECT_EQ(line.find("cluster="), std::string::npos) << line;
    }
  }
  EXPECT_GT(samples, 50);
  for (const char* sample :
       {// Known combinations exist at 0 before anything happened.
        "spark_control_probe_failures_total{cluster=\"lab\",service=\"magpie\","
        "reason=\"timeout\"} 0",
        "spark_control_events_dropped_total{cluster=\"lab\",reason=\"disk\"} 0",
        "spark_control_reported_latency_seconds_count{cluster=\"lab\",service=\"magpie\","
        "outcome=\"ok\"} 0",
        // Unconfigured services are down with reason not_configured.
        "spark_control_service_up{cluster=\"lab\",service=\"parakeet\",kind=\"stt\"} 0",
        "spark_control_service_up{cluster=\"lab\",service=\"vllm\",kind=\"llm\"} 1",
        // Seconds are seconds: a 12 ms report lands in the 0.025 s bucket, not the 10 s one.
        "spark_control_reported_latency_seconds_bucket{cluster=\"lab\",service=\"vllm\","
        "outcome=\"failure\",le=\"0.01\"} 0",
        "spark_control_reported_latency_seconds_bucket{cluster=\"lab\",service=\"vllm\","
        "outcome=\"failure\",le=\"0.025\"} 1",
        // Confidences are ratios: 0.2 lands in le="0.2", the computed 0.8 in le="0.8".
        "spark_control_diarization_segment_confidence_bucket{cluster=\"lab\","
        "source=\"recap-relay\",le=\"0.2\"} 1",
        "spark_control_diarization_segment_confidence_bucket{cluster=\"lab\","
        "source=\"unknown\",le=\"0.8\"} 1",
        "spark_control_diarization_segments_total{cluster=\"lab\",source=\"recap-relay\","
        "confidence=\"unknown\"} 1",
        "spark_control_diarization_uncertain_segments_total{cluster=\"lab\","
        "source=\"recap-relay\"} 1"}) {
    EXPECT_NE(scrape.body.find(sample), std::string::npos) << sample;
  }
}

TEST(Metrics, TheDemoScrapeIsCleanForPromtoolToo) {
  TempDir dir;
  SparkControl app({"--demo", "--data-dir", dir.path().string()});
  // Until the demo's first diarization report is in (it posts one in its first round).
  std::string scrape;
  for (int i = 0;
       i < 50 && scrape.find("spark_control_diarization_segments_total{") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    scrape = Get(app.url() + "/metrics").body;
  }
  EXPECT_NE(scrape.find("spark_control_diarization_segments_total{"), std::string::npos);
  const auto [code, output] = PromtoolCheck(scrape);
  EXPECT_EQ(code, 0) << output;
  EXPECT_EQ(output, "");
}

}  // namespace
}  // namespace spark::test
