// The apply job against a scripted cluster (support/update_cluster.h): every Spark's image kept
// as vllm-node:previous first, the build detached with phases from its lines, plain failures,
// a cancel that kills the build remotely, and a restart that follows it again.
#include <gtest/gtest.h>

#include "support/update_cluster.h"

namespace spark {
namespace {

using nlohmann::json;
using test::kImageA;
using UpdateApplyTest = test::UpdateJobFixture;

TEST_F(UpdateApplyTest, ApplyKeepsThePreviousImagesFirstThenBuildsDetachedInPhases) {
  auto job = controller_->ApplyUpdate();
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->kind, JobKind::kUpdate);
  EXPECT_EQ(job->target, "vllm-node");
  EXPECT_EQ(job->action, "apply");
  EXPECT_EQ(job->progress.phase, "pulling");
  EXPECT_EQ(job->request["copy_spark"], "spark2");
  const JobInfo done = Wait(job->id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  const json previous = {{"spark1", kImageA}, {"spark2", kImageA}};
  EXPECT_EQ(done.request["previous"], previous);
  EXPECT_EQ(done.result["previous"], previous);
  EXPECT_EQ(done.result["log_done"], true);
  EXPECT_EQ(done.progress.percent, std::nullopt);
  EXPECT_EQ(images_.Id("spark1", "vllm-node:previous"), kImageA);
  EXPECT_EQ(images_.Id("spark2", "vllm-node:previous"), kImageA);
  const std::vector<std::string> phases = {"pulling", "building", "copying"};
  EXPECT_EQ(JournaledPhases(done.id), phases);
  // The tags came before the build, and the build runs on the head, copying to Spark 2.
  const int tagged = CommandIndex("spark2: : spark-control-image-tag");
  ASSERT_GE(tagged, 0);
  EXPECT_LT(tagged, CommandIndex("spark-control-detach"));
  EXPECT_NE(Body().find("git pull --ff-only"), std::string::npos);
  EXPECT_NE(Body().find("./build-and-copy.sh -c 10.0.0.2"), std::string::npos) << Body();
  EXPECT_TRUE(Logged(done.id, "Done preparing vllm-node."));
  EXPECT_EQ(controller_->Stats().running.count(JobKind::kUpdate), 0u);
}

TEST_F(UpdateApplyTest, ASparkWithoutTheImageIsSkippedAndAFailedTagBuildsNothing) {
  {
    std::lock_guard lock(images_.mu);
    images_.tags["spark2"].clear();
  }
  const JobInfo done = Wait(controller_->ApplyUpdate()->id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  EXPECT_EQ(done.request["previous"], json({{"spark1", kImageA}, {"spark2", nullptr}}));
  EXPECT_TRUE(Logged(done.id, "spark2 has no vllm-node image: nothing to keep there"));
  EXPECT_EQ(CommandIndex("spark2: : spark-control-image-tag"), -1);

  const size_t detaches = Detaches();
  {
    std::lock_guard lock(images_.mu);
    images_.tags["spark2"]["vllm-node"] = kImageA;
    images_.tag_fails_on = "spark2";
  }
  const JobInfo failed = Wait(controller_->ApplyUpdate()->id);
  ASSERT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.error->code, "remote_command_failed");
  EXPECT_NE(failed.error->message.find("docker tag vllm-node vllm-node:previous on spark2"),
            std::string::npos)
      << failed.error->message;
  EXPECT_EQ(Detaches(), detaches);
}

TEST_F(UpdateApplyTest, APullThatFailsAndABuildThatFailsSaySoPlainly) {
  {
    std::lock_guard lock(build_.mu);
    build_.lines = {"spark-control-phase pulling",
                    "fatal: Not possible to fast-forward, aborting."};
    build_.exit_code = 128;
  }
  const JobInfo pull = Wait(controller_->ApplyUpdate()->id);
  ASSERT_EQ(pull.state, JobState::kFailed);
  EXPECT_EQ(pull.error->code, "remote_command_failed");
  EXPECT_EQ(pull.error->message,
            "git pull --ff-only failed: fatal: Not possible to fast-forward, aborting.");
  {
    std::lock_guard lock(build_.mu);
    build_.lines = {"spark-control-phase pulling", "spark-control-phase building",
                    "ERROR: failed to solve: no space left on device"};
    build_.exit_code = 1;
    build_.shown = 0;
    build_.log.clear();
    build_.status.reset();
  }
  const JobInfo build = Wait(controller_->ApplyUpdate()->id);
  ASSERT_EQ(build.state, JobState::kFailed);
  EXPECT_EQ(build.error->message, "build-and-copy.sh exited 1");
  EXPECT_EQ(build.progress.phase, "building");
}

TEST_F(UpdateApplyTest, CancelKillsTheBuildOnTheSpark) {
  const std::string id = StartHeldApply();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(controller_->Cancel(id).ok());
  EXPECT_EQ(Wait(id).state, JobState::kCancelled);
  EXPECT_TRUE(killed_);
}

TEST_F(UpdateApplyTest, ARestartedControllerFollowsTheBuildAgain) {
  const std::string id = StartHeldApply();
  ASSERT_FALSE(id.empty());
  controller_.reset();  // spark-control stops: the build goes on
  EXPECT_FALSE(killed_);
  build_.Hold(SIZE_MAX);
  Restart();
  const JobInfo done = Wait(id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  EXPECT_EQ(done.result["log_done"], true);
  EXPECT_EQ(done.result["previous"], json({{"spark1", kImageA}, {"spark2", kImageA}}));
  EXPECT_EQ(done.progress.phase, "copying");
}

}  // namespace
}  // namespace spark
