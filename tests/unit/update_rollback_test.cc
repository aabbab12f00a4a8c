// The rollback job, the update conflicts and the rollback hint against a scripted cluster
// (support/update_cluster.h): retag on every Spark and relaunch inside the same job; updates
// wait for swaps, vLLM actions and downloads and they for it; a launch failing with
// engine_failed after an update carries the hint until a rollback.
#include <gtest/gtest.h>

#include "exporter/time_format.h"
#include "support/update_cluster.h"

namespace spark {
namespace {

using nlohmann::json;
using test::kImageA;
using test::kImageB;
using UpdateRollbackTest = test::UpdateJobFixture;

TEST_F(UpdateRollbackTest, RollbackRetagsEverySparkAndRelaunchesInTheSameJob) {
  {
    std::lock_guard lock(images_.mu);
    for (const char* spark : {"spark1", "spark2"}) {
      images_.tags[spark]["vllm-node"] = kImageB;
      images_.tags[spark]["vllm-node:previous"] = kImageA;
    }
  }
  auto job = controller_->Rollback();
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->action, "rollback");
  EXPECT_EQ(job->progress.phase, "rolling_back");
  EXPECT_EQ(job->request["model"], "qwen36");
  const JobInfo done = Wait(job->id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  EXPECT_EQ(images_.Id("spark1", "vllm-node"), kImageA);
  EXPECT_EQ(images_.Id("spark2", "vllm-node"), kImageA);
  const std::vector<std::string> phases = {"rolling_back", "relaunching"};
  EXPECT_EQ(JournaledPhases(done.id), phases);
  EXPECT_EQ(done.progress.percent, 100.0);
  EXPECT_LT(CommandIndex("spark2: : spark-control-image-tag"), CommandIndex("launch-cluster.sh"));
  EXPECT_EQ(served_.Get(), test::kQwen36);
  EXPECT_TRUE(controller_->Stats().swaps.empty());  // a relaunch, not a swap
}

TEST_F(UpdateRollbackTest, RollbackWithoutAModelSucceedsAndAFailedTagFails) {
  {
    std::lock_guard lock(images_.mu);
    images_.tags["spark1"]["vllm-node:previous"] = kImageB;
  }
  served_.Set(std::nullopt);
  const JobInfo done = Wait(controller_->Rollback()->id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  EXPECT_EQ(done.request["model"], nullptr);
  EXPECT_TRUE(
      Logged(done.id, "no model to relaunch: the previous image is used at the next launch"));
  EXPECT_TRUE(Logged(done.id, "spark2 has no vllm-node:previous: its vllm-node stays"));
  EXPECT_EQ(images_.Id("spark1", "vllm-node"), kImageB);
  EXPECT_EQ(images_.Id("spark2", "vllm-node"), kImageA);
  EXPECT_EQ(CommandIndex("launch-cluster.sh"), -1);
  {
    std::lock_guard lock(images_.mu);
    images_.tag_fails_on = "spark1";
  }
  const JobInfo failed = Wait(controller_->Rollback()->id);
  ASSERT_EQ(failed.state, JobState::kFailed);
  EXPECT_NE(failed.error->message.find("docker tag vllm-node:previous vllm-node on spark1"),
            std::string::npos)
      << failed.error->message;
}

TEST_F(UpdateRollbackTest, AnUpdateWaitsForSwapsAndDownloadsAndTheyWaitForIt) {
  auto swap = controller_->Swap("gemma4");
  ASSERT_TRUE(swap.ok());
  EXPECT_EQ(controller_->ApplyUpdate().status().code(), ErrorCode::kSwapRunning);
  EXPECT_EQ(controller_->Rollback().status().code(), ErrorCode::kSwapRunning);
  ASSERT_EQ(Wait(swap->id).state, JobState::kSucceeded);

  executor_.On("spark-control-hub", [](const RemoteCommand&) {
    SimulatedScript hang;
    hang.end = SimulatedScript::End::kHang;
    return hang;
  });
  auto download = controller_->Download("org/name", false, std::nullopt);
  ASSERT_TRUE(download.ok());
  const auto refused = controller_->ApplyUpdate();
  EXPECT_EQ(refused.status().code(), ErrorCode::kJobRunning);
  EXPECT_NE(refused.status().message().find("a download of org/name is running (job " +
                                            download->id + ")"),
            std::string::npos)
      << refused.status().message();
  ASSERT_TRUE(controller_->Cancel(download->id).ok());
  Wait(download->id);

  const std::string id = StartHeldApply();
  ASSERT_FALSE(id.empty());
  const std::string busy = "an update of spark-vllm-docker is running (job " + id + ")";
  for (const auto& attempt :
       {controller_->Swap("qwen36"), controller_->ServiceAction("vllm", "restart"),
        controller_->ServiceAction("vllm", "stop"), controller_->ServiceAction("vllm", "start"),
        controller_->Download("org/name", false, std::nullopt)}) {
    ASSERT_FALSE(attempt.ok());
    EXPECT_EQ(attempt.status().code(), ErrorCode::kJobRunning);
    EXPECT_EQ(attempt.status().message(), busy);
  }
  for (const auto& again : {controller_->ApplyUpdate(), controller_->Rollback()}) {
    EXPECT_EQ(again.status().code(), ErrorCode::kJobRunning);
    EXPECT_EQ(again.status().message(), "another " + busy.substr(3));
  }
  EXPECT_TRUE(controller_->DeleteCached("spark2", "org/other").ok());  // a cache delete may run
  ASSERT_TRUE(controller_->Cancel(id).ok());
  Wait(id);
}

TEST_F(UpdateRollbackTest, ALaunchFailingAfterAnUpdateCarriesTheRollbackHintUntilRolledBack) {
  executor_.On("docker logs", SimulatedScript::Print({"ERROR EngineDeadError: CUDA error"}));
  const JobInfo before = Wait(controller_->Swap("gemma4")->id);
  ASSERT_EQ(before.error->code, "engine_failed");
  EXPECT_FALSE(before.error->hint.has_value());  // no update before it
  EXPECT_FALSE(controller_->RollbackHint().has_value());

  const JobInfo update = Wait(controller_->ApplyUpdate()->id);
  ASSERT_EQ(update.state, JobState::kSucceeded);
  const JobInfo failed = Wait(controller_->Swap("gemma4")->id);
  ASSERT_EQ(failed.error->code, "engine_failed");
  ASSERT_TRUE(failed.error->hint.has_value());
  const json& hint = *failed.error->hint;
  EXPECT_EQ(hint["action"], "rollback");
  EXPECT_EQ(hint["update_job"], update.id);
  EXPECT_EQ(hint["updated_at"], FormatRfc3339(*update.ended_at));
  EXPECT_TRUE(hint["text"].get<std::string>().starts_with("This started after the update of 20"));
  EXPECT_TRUE(hint["text"].get<std::string>().ends_with(" UTC: Roll back"));
  // Kept across a restart (jobs.jsonl), and the banner's hint names the failed launch.
  Restart();
  ASSERT_TRUE(controller_->Job(failed.id)->error->hint.has_value());
  EXPECT_EQ(*controller_->Job(failed.id)->error->hint, hint);
  const auto banner = controller_->RollbackHint();
  ASSERT_TRUE(banner.has_value());
  EXPECT_EQ(banner->job, failed.id);
  EXPECT_EQ(banner->update_job, update.id);
  EXPECT_EQ(FormatRfc3339(banner->updated_at), FormatRfc3339(*update.ended_at));
  EXPECT_EQ(banner->text, hint["text"]);

  // After a rollback the hint is gone, and a launch failing again gets none.
  {
    std::lock_guard lock(images_.mu);
    images_.tags["spark1"]["vllm-node:previous"] = kImageB;
  }
  served_.Set(std::nullopt);
  const JobInfo rolled = Wait(controller_->Rollback()->id);
  ASSERT_EQ(rolled.state, JobState::kSucceeded) << (rolled.error ? rolled.error->message : "");
  EXPECT_FALSE(controller_->RollbackHint().has_value());
  const JobInfo again = Wait(controller_->Swap("gemma4")->id);
  ASSERT_EQ(again.error->code, "engine_failed");
  EXPECT_FALSE(again.error->hint.has_value());
  EXPECT_FALSE(controller_->RollbackHint().has_value());
}

}  // namespace
}  // namespace spark
