// Downloads end to end (issue 14): the real spark-control binary downloads from the fake Hub
// onto two loopback Sparks with the fake hf and real rsync (download_fixture.h); progress is
// measured on disk, a cancel kills the remote processes and the next download resumes, and a
// dropped link or a killed spark-control re-attaches to the running download.
#include <set>

#include "download_fixture.h"

namespace spark::test {
namespace {

constexpr const char* kTinyRepo = "TestOrg/Tiny-Model-1B";
constexpr const char* kTinyKey = "TestOrg--Tiny-Model-1B";
constexpr const char* kTinySha = "a3f5c9e1d2b4068a7c9e1f3b5d7092a4c6e8f0b1";

// The percents a running job showed, strictly between 0 and 100.
struct PercentLog {
  std::set<double> between;
  std::set<std::string> phases;
  void operator()(const json& job) {
    const json progress = job.value("progress", json::object());
    if (progress.value("phase", json()).is_string()) phases.insert(progress["phase"]);
    const json p = progress.value("percent", json());
    if (p.is_number() && p.get<double>() > 0 && p.get<double>() < 100)
      between.insert(p.get<double>());
  }
};

// A download of kTinyRepo that is paused (rate 0) once it is past `percent`, so it is still
// running whatever the test does next; Finish() lets it run to the end.
class MidDownloadTest : public DownloadTest {
 protected:
  std::string StartAndPause(double percent) {
    AddRepo(kTinyRepo, Weights(4, kTinySha));
    SetRate(1 << 20);
    StartApp();
    TrustHosts();
    const std::string id = Download(kTinyRepo);
    EXPECT_TRUE(WaitPercent(id, percent)) << Job(id).dump();
    SetRate(0);
    return id;
  }
  // Lets the download run on; it must succeed with every byte, by the one hf process (that is,
  // re-attached rather than started again) when `one_run`.
  void Finish(const std::string& id, bool one_run) {
    SetRate(8 << 20);
    const json job = WaitJob(id, seconds(40));
    EXPECT_EQ(job["state"], "succeeded") << job.dump();
    EXPECT_EQ(BlobBytes(spark1_, kTinyKey), Weights(4, kTinySha).Total());
    const std::string pids = ReadText(spark1_.state() / "hf_pids");
    if (one_run) {
      EXPECT_EQ(pids.find('\n'), pids.size() - 1) << pids;
    }
  }
};

TEST_F(DownloadTest, ASoloDownloadShowsMovingProgressAndEndsWithACatalogEntry) {
  AddRepo(kTinyRepo, Weights(4, kTinySha));
  SetRate(1 << 20);  // about 4 s: several measurements on the way
  StartApp();
  TrustHosts();
  const std::string id = Download(kTinyRepo);
  PercentLog log;
  const json job = WaitJob(id, seconds(40), std::ref(log));
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_GE(log.between.size(), 2u) << "percent never passed through intermediate values";
  EXPECT_EQ(log.phases, std::set<std::string>{"downloading"});
  EXPECT_EQ(job["kind"], "download");
  EXPECT_EQ(job["progress"]["percent"], 100.0) << job.dump();
  EXPECT_EQ(job["progress"]["bytes_total"], Weights(4, kTinySha).Total());
  EXPECT_EQ(job["result"]["revision"], kTinySha);
  EXPECT_EQ(job["result"]["size_bytes"], Weights(4, kTinySha).Total());
  EXPECT_EQ(job["result"]["catalog_entry"]["hf_repo"], kTinyRepo);
  EXPECT_EQ(job["result"]["catalog_entry"]["id"], "tiny-model-1b");
  EXPECT_EQ(job["result"]["catalog_entry"]["mode"], "solo");
  EXPECT_EQ(job["result"]["catalog_entry"]["args"], json::array());
  EXPECT_EQ(job["request"],
            json({{"hf_repo", kTinyRepo}, {"mode", "solo"}, {"revision", nullptr}}));

  // The weights are on Spark 1 only, whole and linked from the snapshot.
  EXPECT_EQ(BlobBytes(spark1_, kTinyKey), Weights(4, kTinySha).Total());
  EXPECT_TRUE(std::filesystem::exists(ModelDir(spark1_, kTinyKey) / "snapshots" / kTinySha /
                                      "model-00002-of-00002.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(ModelDir(spark2_, kTinyKey)));
  // The Hub was asked with the token of $HF_HOME/token; hf got the endpoint and the cache.
  const auto requests = hub_.Requests();
  ASSERT_FALSE(requests.empty());
  for (const auto& r : requests) EXPECT_EQ(r.authorization, std::string("Bearer ") + kToken);
  const std::string calls = ReadText(spark1_.state() / "hf_calls");
  EXPECT_NE(calls.find("HF_ENDPOINT=" + hub_.endpoint()), std::string::npos) << calls;
  EXPECT_NE(calls.find("HF_HOME=" + (spark1_.home() / ".cache/huggingface").string()),
            std::string::npos)
      << calls;
  EXPECT_EQ(Metric("spark_control_downloads_total{cluster=\"default\",outcome=\"succeeded\"}"), 1);
  // The cache view lists it once its scan after the job has run.
  ASSERT_TRUE(Eventually(
      [&] {
        const json cache = json::parse(Get(Url("/api/cache")).body);
        for (const auto& m : cache["sparks"]["spark1"]["models"]) {
          if (m["hf_repo"] == kTinyRepo) return m["revision"] == kTinySha && m["complete"] == true;
        }
        return false;
      },
      seconds(15)))
      << Get(Url("/api/cache")).body;
}

TEST_F(DownloadTest, AClusterDownloadCopiesToSpark2WithRealRsync) {
  AddRepo(kTinyRepo, Weights(3, kTinySha));
  SetRate(1 << 20);
  spark1_.SetFake("ssh_delay", "1.5");  // the copy lasts long enough to be seen
  StartApp();
  TrustHosts();
  const std::string id = Download(kTinyRepo, "cluster");
  PercentLog log;
  const json job = WaitJob(id, seconds(40), std::ref(log));
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_GE(log.between.size(), 2u);
  EXPECT_TRUE(log.phases.contains("downloading"));
  EXPECT_TRUE(log.phases.contains("copying")) << "the copy phase never showed";
  EXPECT_EQ(job["result"]["catalog_entry"]["mode"], "cluster");
  for (const Sshd* spark : {&spark1_, &spark2_}) {
    EXPECT_EQ(BlobBytes(*spark, kTinyKey), Weights(3, kTinySha).Total());
    EXPECT_TRUE(std::filesystem::is_symlink(ModelDir(*spark, kTinyKey) / "snapshots" / kTinySha /
                                            "config.json"));
  }
  // Over the Sparks' own link, to the configured Spark 2.
  const std::string ssh = ReadText(spark1_.state() / "ssh_calls");
  EXPECT_TRUE(ssh.starts_with(spark2_.user() + " 127.0.0.1 ")) << ssh;
  EXPECT_NE(ssh.find("rsync --server"), std::string::npos) << ssh;
}

TEST_F(MidDownloadTest, CancelKillsTheRemoteProcessesAndTheSameRepoThenResumes) {
  const std::string id = StartAndPause(10);  // it would never end by itself now
  ASSERT_FALSE(DownloadProcesses().empty());
  EXPECT_EQ(Http("DELETE", Url("/api/jobs/" + id)).status, 202);
  const json cancelled = WaitJob(id, seconds(15));
  EXPECT_EQ(cancelled["state"], "cancelled") << cancelled.dump();
  EXPECT_TRUE(Eventually([&] { return DownloadProcesses().empty(); }, seconds(5)))
      << DownloadProcesses().size() << " processes left";
  EXPECT_EQ(Metric("spark_control_downloads_total{cluster=\"default\",outcome=\"cancelled\"}"), 1);
  // The partial bytes stay; the next download of the repo resumes from them.
  const int64_t partial = BlobBytes(spark1_, kTinyKey);
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, Weights(4, kTinySha).Total());
  Finish(Download(kTinyRepo), false);
  const std::string resumed = ReadText(spark1_.state() / "hf_resumed");
  ASSERT_FALSE(resumed.empty()) << "the second download started over";
  EXPECT_GT(std::stoll(resumed.substr(resumed.find(' ') + 1)), 0);
}

TEST_F(DownloadTest, CancelDuringTheCopyKillsRsyncAndTheSshUnderIt) {
  AddRepo(kTinyRepo, Weights(1, kTinySha));
  spark1_.SetFake("ssh_delay", "60");  // the link to Spark 2 hangs: the copy never ends alone
  StartApp();
  TrustHosts();
  const std::string id = Download(kTinyRepo, "cluster");
  ASSERT_TRUE(Eventually(
      [&] { return Job(id).value("progress", json::object()).value("phase", "") == "copying"; },
      seconds(20)))
      << Job(id).dump();
  ASSERT_TRUE(Eventually([&] { return !PidsMentioning(spark1_.fakebin() / "ssh").empty(); }));
  EXPECT_EQ(Http("DELETE", Url("/api/jobs/" + id)).status, 202);
  EXPECT_EQ(WaitJob(id, seconds(15))["state"], "cancelled");
  EXPECT_TRUE(Eventually([&] { return DownloadProcesses().empty(); }, seconds(5)))
      << DownloadProcesses().size() << " processes left";
}

TEST_F(MidDownloadTest, SshdDownForFiveSecondsMidDownloadTheJobReattachesAndSucceeds) {
  const std::string id = StartAndPause(5);  // so it is still running when the link is back
  const auto down = std::chrono::steady_clock::now();
  spark1_.Stop();
  const std::string up = "spark_control_ssh_up{cluster=\"default\",spark=\"spark1\"}";
  EXPECT_TRUE(Eventually([&] { return Metric(up) == 0; }, seconds(15)));
  // The outage lasts 5 s; the job keeps running through it.
  while (std::chrono::steady_clock::now() - down < seconds(5)) {
    EXPECT_EQ(Job(id)["state"], "running");
    std::this_thread::sleep_for(milliseconds(200));
  }
  spark1_.Start();
  Finish(id, true);
}

TEST_F(MidDownloadTest, SparkControlKilledAndRestartedMidDownloadReattachesAndSucceeds) {
  const std::string id = StartAndPause(5);
  app_->process().Stop(SIGKILL, 5000);
  ASSERT_FALSE(app_->process().running());
  StartApp();  // same config and data dir: the known hosts and jobs.jsonl are still there
  const json reattached = Job(id);
  EXPECT_EQ(reattached["state"], "running") << reattached.dump();
  EXPECT_EQ(reattached["remote"]["spark"], "spark1") << reattached.dump();
  Finish(id, true);
}

}  // namespace
}  // namespace spark::test
