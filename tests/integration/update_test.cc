// spark-vllm-docker updates end to end (issue 15): the real spark-control binary checks a REAL
// git checkout on a loopback Spark against its upstream, applies the update as detached work
// (git pull + the fake build-and-copy.sh, which copies the new image to Spark 2 over ssh) and
// rolls it back, with image ids kept as real state by the fake docker (update_fixture.h). A
// dropped link and a killed spark-control mid-build are survived by the detached build.
#include "update_fixture.h"

namespace spark::test {
namespace {

using std::chrono::seconds;

const std::vector<std::string> kSubjects = {"Add recipe for Qwen3.6-35B-A3B",
                                            "launch-cluster: no Ray by default",
                                            "Bump vLLM to 0.11.2 nightly"};

// Every phase a running job showed.
struct PhaseLog {
  std::set<std::string> phases;
  void operator()(const json& job) {
    const json phase = job.value("progress", json::object()).value("phase", json());
    if (job.value("state", "") == "running" && phase.is_string()) phases.insert(phase);
  }
};

TEST_F(UpdateTest, CommitsUpstreamShowAsBehindWithTheirSubjectsNewestFirst) {
  StartApp();
  TrustHosts();
  json doc = Check();
  EXPECT_EQ(doc["state"], "ok") << doc.dump();
  EXPECT_EQ(doc["behind"], 0);
  EXPECT_EQ(doc["commits"], json::array());

  CommitUpstream(kSubjects);
  doc = Check();
  EXPECT_EQ(doc["state"], "behind") << doc.dump();
  EXPECT_EQ(doc["behind"], 3);
  ASSERT_EQ(doc["commits"].size(), 3u) << doc.dump();
  EXPECT_EQ(doc["commits"][0]["subject"], kSubjects[2]);
  EXPECT_EQ(doc["commits"][2]["subject"], kSubjects[0]);
  EXPECT_EQ(doc["commits"][0]["sha"].get<std::string>().size(), 40u);
  EXPECT_EQ(doc["branch"], "main");
  EXPECT_EQ(Metric("spark_control_update_commits_behind{cluster=\"default\"}"), 3);
  // The same document is what /api/status carries.
  const json status = json::parse(Get(Url("/api/status")).body);
  EXPECT_EQ(status["update"]["behind"], 3) << status["update"].dump();
  // Both Sparks hold the same launch image; nothing to roll back to yet.
  EXPECT_EQ(doc["image"]["id"], kOldImage) << doc.dump();
  EXPECT_EQ(doc["image"]["sparks"]["spark2"], kOldImage);
  EXPECT_EQ(doc["image"]["mismatch"], false);
  EXPECT_TRUE(doc["previous_image"].is_null()) << doc.dump();
  EXPECT_EQ(Http("POST", Url("/api/update/rollback")).status, 409);
}

TEST_F(UpdateTest, ALocalEditIsDirtyAndADetachedHeadIsDetachedNeverZeroBehind) {
  StartApp();
  TrustHosts();
  std::ofstream(spark1_.checkout() / ".env") << "CLUSTER_NODES=10.0.0.1,10.0.0.2\n";  // untracked
  EXPECT_EQ(Check()["state"], "ok");
  std::ofstream(spark1_.checkout() / "README.md") << "edited on the Spark\n";
  json doc = Check();
  EXPECT_EQ(doc["state"], "dirty") << doc.dump();
  ASSERT_EQ(Git(spark1_.checkout(), {"checkout", "-q", "--", "README.md"}), 0);
  ASSERT_EQ(Git(spark1_.checkout(), {"checkout", "-q", "--detach"}), 0);
  doc = Check();
  EXPECT_EQ(doc["state"], "detached") << doc.dump();
  EXPECT_TRUE(doc["behind"].is_null()) << doc.dump();
  EXPECT_EQ(Metric("spark_control_update_commits_behind{cluster=\"default\"}"), -1)
      << "no commits_behind series while the count is unknown";
}

TEST_F(UpdateTest, ApplyPullsBuildsAndCopiesThenRollbackRestoresTheOldImageOnBothSparks) {
  CommitUpstream(kSubjects);
  StartApp();
  TrustHosts();
  ASSERT_EQ(Check()["behind"], 3);

  spark1_.SetFake("build_s", "2");
  spark1_.SetFake("copy_s", "1.5");  // each phase lasts longer than a poll: the test sees it
  const std::string id = StartJob("/api/update/apply");
  PhaseLog seen;
  const json job = WaitJob(id, seconds(60), std::ref(seen));
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["kind"], "update");
  EXPECT_TRUE(seen.phases.count("building")) << json(seen.phases).dump();
  EXPECT_TRUE(seen.phases.count("copying")) << json(seen.phases).dump();
  // The previous image was kept on both Sparks, the new one is on both.
  EXPECT_EQ(ImageId(spark1_, "vllm-node:previous"), kOldImage);
  EXPECT_EQ(ImageId(spark2_, "vllm-node:previous"), kOldImage);
  EXPECT_EQ(ImageId(spark1_, "vllm-node:latest"), kNewImage);
  EXPECT_EQ(ImageId(spark2_, "vllm-node:latest"), kNewImage);
  // The running container was not touched.
  EXPECT_TRUE(std::filesystem::exists(spark1_.state() / "containers/vllm_node"));

  json doc;
  EXPECT_TRUE(Eventually(
      [&] {
        doc = Document();
        return doc["behind"] == 0 && doc["image"].is_object() && doc["image"]["id"] == kNewImage;
      },
      seconds(30)))
      << doc.dump();
  EXPECT_EQ(doc["state"], "ok");
  EXPECT_EQ(doc["previous_image"]["id"], kOldImage) << doc.dump();

  const Reply started = Http("POST", Url("/api/update/rollback"));
  ASSERT_EQ(started.status, 202) << started.body;
  const json accepted = json::parse(started.body)["job"];
  EXPECT_EQ(accepted["progress"]["phase"], "rolling_back") << accepted.dump();
  PhaseLog rolled;  // the relaunch lasts a start-up log: longer than the test's sampling
  const json rollback = WaitJob(accepted["id"], seconds(60), std::ref(rolled));
  ASSERT_EQ(rollback["state"], "succeeded") << rollback.dump();
  EXPECT_TRUE(rolled.phases.count("relaunching")) << json(rolled.phases).dump();
  EXPECT_EQ(ImageId(spark1_, "vllm-node:latest"), kOldImage);
  EXPECT_EQ(ImageId(spark2_, "vllm-node:latest"), kOldImage);
  // Relaunched inside the job: the model is served again.
  const json status = json::parse(Get(Url("/api/status")).body);
  EXPECT_EQ(status["services"]["vllm"]["up"], true) << status.dump();
}

TEST_F(UpdateTest, ALaunchThatFailsAfterAnUpdateOffersTheRollbackOnTheJobAndTheBanner) {
  CommitUpstream({kSubjects[2]});
  StartApp();
  TrustHosts();
  const json applied = WaitJob(StartJob("/api/update/apply"));
  ASSERT_EQ(applied["state"], "succeeded") << applied.dump();
  spark1_.SetFake("logs_mode", "engine_dead");  // the new build cannot start the model
  const Reply swap = SendJson("POST", Url("/api/swap"), json{{"model", "qwen36"}}.dump());
  ASSERT_EQ(swap.status, 202) << swap.body;
  const json failed = WaitJob(json::parse(swap.body)["job"]["id"]);
  ASSERT_EQ(failed["state"], "failed") << failed.dump();
  EXPECT_EQ(failed["error"]["code"], "engine_failed");
  const json hint = failed["error"].value("hint", json());
  ASSERT_TRUE(hint.is_object()) << failed.dump();
  EXPECT_EQ(hint["action"], "rollback");
  EXPECT_EQ(hint["update_job"], applied["id"]);
  EXPECT_NE(hint["text"].get<std::string>().find("Roll back"), std::string::npos);
  EXPECT_EQ(Document()["rollback_hint"]["job"], failed["id"]) << Document().dump();

  spark1_.SetFake("logs_mode", "ok");
  const json back = WaitJob(StartJob("/api/update/rollback"));
  ASSERT_EQ(back["state"], "succeeded") << back.dump();
  // The model that failed on the new build is the one relaunched on the old image.
  EXPECT_EQ(back["request"]["model"], "qwen36") << back.dump();
  EXPECT_TRUE(std::filesystem::exists(spark1_.state() / "containers/vllm_node"));
  EXPECT_TRUE(Document()["rollback_hint"].is_null()) << Document().dump();
}

TEST_F(UpdateTest, AFailingBuildFailsTheJobWithTheBuildersWordsAndKeepsTheOldImage) {
  CommitUpstream({kSubjects[0]});
  spark1_.SetFake("build_fail", "ERROR: failed to solve: eugr/spark-vllm:latest: not found\n");
  StartApp();
  TrustHosts();
  const json job = WaitJob(StartJob("/api/update/apply"));
  ASSERT_EQ(job["state"], "failed") << job.dump();
  EXPECT_EQ(job["error"]["code"], "remote_command_failed");
  EXPECT_NE(job["error"]["log_tail"].dump().find("failed to solve"), std::string::npos)
      << job.dump();
  EXPECT_EQ(ImageId(spark1_, "vllm-node:latest"), kOldImage);
  EXPECT_EQ(ImageId(spark2_, "vllm-node:latest"), kOldImage);
}

TEST_F(UpdateTest, SshdKilledMidBuildTheDetachedBuildGoesOnAndTheJobFinishes) {
  CommitUpstream({kSubjects[0]});
  spark1_.SetFake("build_s", "6");
  StartApp();
  TrustHosts();
  const std::string id = StartJob("/api/update/apply");
  ASSERT_TRUE(WaitPhase(id, "building")) << Job(id).dump();
  spark1_.Stop();  // every connection drops; the build runs on under setsid
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(Job(id)["state"], "running");
  spark1_.Start();
  const json job = WaitJob(id, seconds(60));
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(ImageId(spark2_, "vllm-node:latest"), kNewImage);
  EXPECT_EQ(ReadText(spark1_.state() / "build_calls").find('\n'),
            ReadText(spark1_.state() / "build_calls").size() - 1)
      << "built once";
}

TEST_F(UpdateTest, SparkControlKilledMidBuildFollowsTheBuildAgainAfterARestart) {
  CommitUpstream({kSubjects[0]});
  spark1_.SetFake("build_s", "5");
  StartApp();
  TrustHosts();
  const std::string id = StartJob("/api/update/apply");
  ASSERT_TRUE(WaitPhase(id, "building")) << Job(id).dump();
  app_->process().Stop(SIGKILL, 5000);
  ASSERT_FALSE(app_->process().running());
  StartApp();  // same config and data dir
  const json reattached = Job(id);
  EXPECT_EQ(reattached["state"], "running") << reattached.dump();
  const json job = WaitJob(id, seconds(60));
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(ImageId(spark1_, "vllm-node:latest"), kNewImage);
  EXPECT_EQ(ImageId(spark2_, "vllm-node:latest"), kNewImage);
}

TEST_F(UpdateTest, AnUpdateIsRefusedDuringASwapAndASwapDuringAnUpdate) {
  CommitUpstream({kSubjects[0]});
  spark1_.SetFake("log_delay", "0.12");  // a swap that takes a few seconds
  StartApp();
  TrustHosts();
  const Reply swap = SendJson("POST", Url("/api/swap"), json{{"model", "qwen36"}}.dump());
  ASSERT_EQ(swap.status, 202) << swap.body;
  const Reply refused = Http("POST", Url("/api/update/apply"));
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "swap_running");
  EXPECT_EQ(WaitJob(json::parse(swap.body)["job"]["id"])["state"], "succeeded");

  spark1_.SetFake("build_s", "4");
  const std::string id = StartJob("/api/update/apply");
  const Reply no_swap = SendJson("POST", Url("/api/swap"), json{{"model", "qwen36"}}.dump());
  EXPECT_EQ(no_swap.status, 409) << no_swap.body;
  EXPECT_EQ(json::parse(no_swap.body)["error"]["code"], "job_running");
  EXPECT_EQ(Http("POST", Url("/api/update/apply")).status, 409);
  EXPECT_EQ(WaitJob(id)["state"], "succeeded");
}

}  // namespace
}  // namespace spark::test
