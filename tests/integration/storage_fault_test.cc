// Fault matrix, storage (issue 10; PITFALLS.md "Persistence"): the data dir on a tiny tmpfs the
// test mounts itself — filled up while the process runs, or read-only when it starts. Every
// write fails cleanly with 503 storage_failed, the old files stay, reads keep answering, the
// process stays alive, and writes work again once there is room, without a restart.
// Mounting needs root (CI runs as root); elsewhere the tests skip and say why.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/data_dir_check.h"
#include "support/http.h"
#include "support/process.h"
#include "support/small_fs.h"
#include "support/sshd.h"

namespace spark::test {
namespace {

using nlohmann::json;

class StorageFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs_.mounted()) GTEST_SKIP() << fs_.error();
    GenerateSshKey("ed25519", keys_ / "id_ed25519");
    // A Spark nobody listens for: a swap that got through would fail remotely, not here.
    std::ofstream(keys_ / "spark-control.yaml")
        << "sparks:\n  spark1: {host: 127.0.0.1, user: nobody, port: 1}\n"
        << "ssh: {key_path: " << (keys_ / "id_ed25519").string() << "}\n"
        << "limits: {report_rate_per_client: 0}\n";
  }

  std::filesystem::path data() const { return fs_.path() / "data"; }
  void Start() {
    app_ = std::make_unique<SparkControl>(std::vector<std::string>{
        "--config", (keys_ / "spark-control.yaml").string(), "--data-dir", data().string()});
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }

  Reply Report(const std::string& source) {
    return SendJson("POST", Url("/api/health-event"),
                    json{{"service", "vllm"}, {"ok", true}, {"source", source}}.dump());
  }
  Reply PutThreshold(double value) {
    return SendJson("PUT", Url("/api/config"),
                    json{{"diarization", {{"uncertain_below", value}}}}.dump());
  }
  Reply PutMaxModelLen(int value) {
    return SendJson("PUT", Url("/api/models/gemma4/overrides"),
                    json{{"max_model_len", value}}.dump());
  }
  double Threshold() {
    return json::parse(Get(Url("/api/config")).body)["diarization"]["uncertain_below"];
  }
  int MaxModelLen() {
    const json models = json::parse(Get(Url("/api/models")).body);
    for (const auto& m : models["models"]) {
      if (m["id"] == "gemma4") return m["overrides"].value("max_model_len", -1);
    }
    return -2;
  }
  // The sources of the reports the process serves, oldest first.
  std::vector<std::string> ReportSources() {
    std::vector<std::string> sources;
    const json events = json::parse(Get(Url("/api/events?type=report&since=0")).body);
    for (const auto& e : events["events"]) {
      sources.push_back(e["source"].get<std::string>());
    }
    return sources;
  }
  double DroppedForDisk() {
    return MetricValue(Get(Url("/metrics")).body,
                       "spark_control_events_dropped_total{cluster=\"default\",reason=\"disk\"}");
  }
  // A refused write: 503 storage_failed with a message, never a 500 or a dead process.
  static void ExpectStorageFailed(const Reply& r, const std::string& what) {
    EXPECT_EQ(r.status, 503) << what << ": " << r.body;
    EXPECT_EQ(ErrorCode(r), "storage_failed") << what << ": " << r.body;
  }
  void ExpectServing() {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(Get(Url("/healthz")).status, 200);
    EXPECT_EQ(Get(Url("/api/status")).status, 200);
    EXPECT_EQ(Get(Url("/metrics")).status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_TRUE(app_->process().running());
  }

  SmallFilesystem fs_{2 << 20};
  TempDir keys_;
  std::unique_ptr<SparkControl> app_;
};

TEST_F(StorageFaultTest, AFullDiskRefusesWritesCleanlyAndKeepsTheOldFiles) {
  Start();
  ASSERT_EQ(Report("before").status, 202);
  ASSERT_EQ(PutThreshold(0.25).status, 200);
  ASSERT_EQ(PutMaxModelLen(8192).status, 200);
  ASSERT_GT(fs_.Fill(), 0u);

  // The log's last page may still take a few lines (a filesystem allocates whole blocks);
  // once it is full every report is refused, and those acknowledged before stay.
  std::vector<std::string> kept = {"before"};
  Reply refused;
  for (int i = 0; i < 500 && refused.status == 0; ++i) {
    const std::string source = "filling-" + std::to_string(i);
    const Reply r = Report(source);
    if (r.status == 202) {
      kept.push_back(source);
    } else {
      refused = r;
    }
  }
  ExpectStorageFailed(refused, "health-event");
  ExpectStorageFailed(Report("while-full"), "health-event");
  EXPECT_GE(DroppedForDisk(), 2);
  ExpectStorageFailed(PutThreshold(0.75), "PUT /api/config");
  EXPECT_EQ(Threshold(), 0.25) << "a refused PUT changes nothing";
  ExpectStorageFailed(PutMaxModelLen(16384), "PUT overrides");
  EXPECT_EQ(MaxModelLen(), 8192);
  ExpectStorageFailed(SendJson("POST", Url("/api/models"),
                               R"({"name":"Tiny","hf_repo":"Qwen/Qwen3-0.6B","mode":"solo"})"),
                      "POST /api/models");
  ExpectServing();
  EXPECT_EQ(ReportSources(), kept);

  fs_.Free();
  EXPECT_EQ(Report("after").status, 202);
  kept.push_back("after");
  EXPECT_EQ(PutThreshold(0.75).status, 200);
  EXPECT_EQ(ReportSources(), kept);

  // What survived is whole: a restart on the same dir sees exactly the acknowledged writes.
  ASSERT_EQ(app_->process().Stop(SIGTERM, 5000), 0);
  EXPECT_EQ(TornFiles(data()), std::vector<std::string>{});
  Start();
  EXPECT_EQ(Leftovers(data(), app_->process().pid()), std::vector<std::string>{});
  EXPECT_EQ(Threshold(), 0.75);
  EXPECT_EQ(MaxModelLen(), 8192);
  EXPECT_EQ(ReportSources(), kept);
}

TEST_F(StorageFaultTest, AFullDiskRefusesASwapBeforeAnythingRuns) {
  Start();
  ASSERT_GT(fs_.Fill(), 0u);
  const Reply r = SendJson("POST", Url("/api/swap"), R"({"model":"qwen36"})");
  ExpectStorageFailed(r, "POST /api/swap");
  EXPECT_EQ(json::parse(Get(Url("/api/jobs")).body)["jobs"].size(), 0u);
  ExpectServing();
}

TEST_F(StorageFaultTest, AReadOnlyDataDirStillServesAndRecoversWhenWritable) {
  Start();
  ASSERT_EQ(Report("before").status, 202);
  ASSERT_EQ(PutThreshold(0.25).status, 200);
  ASSERT_EQ(app_->process().Stop(SIGTERM, 5000), 0);
  // Linux refuses to remount while files are open for writing, so it turns read-only between
  // two runs (a read-only volume, a filesystem remounted after errors).
  const std::string remounted = fs_.RemountReadOnly(true);
  if (!remounted.empty()) GTEST_SKIP() << remounted;

  Start();
  EXPECT_EQ(Threshold(), 0.25) << "the overlay is still read";
  EXPECT_EQ(ReportSources(), std::vector<std::string>{"before"});
  ExpectStorageFailed(Report("read-only"), "health-event");
  ExpectStorageFailed(PutThreshold(0.75), "PUT /api/config");
  ExpectStorageFailed(PutMaxModelLen(16384), "PUT overrides");
  EXPECT_GE(DroppedForDisk(), 1);
  ExpectServing();

  ASSERT_EQ(fs_.RemountReadOnly(false), "");
  EXPECT_EQ(Report("writable").status, 202);
  EXPECT_EQ(PutThreshold(0.75).status, 200);
  EXPECT_EQ(Threshold(), 0.75);
  EXPECT_EQ(ReportSources(), (std::vector<std::string>{"before", "writable"}));
}

}  // namespace
}  // namespace spark::test
