// What the job history tells the self-healing loop: what vLLM and a speech service should be
// doing, which running jobs hold their recovery (a download does not), and when a user took
// over. Pure functions over job lists, newest first as Controller::Jobs() gives them.
#include "controller/recovery_wanted.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spark {
namespace recovery_wanted_test {

using Kind = RecoveryWanted::Kind;

JobInfo MakeJob(std::string id, JobKind kind, std::string target, std::string action,
                JobState state, JobTrigger trigger = JobTrigger::kUser) {
  JobInfo job;
  job.id = std::move(id);
  job.kind = kind;
  job.target = std::move(target);
  job.action = std::move(action);
  job.state = state;
  job.trigger = trigger;
  return job;
}

JobInfo SwapJob(std::string id, JobState state, JobTrigger trigger = JobTrigger::kUser) {
  return MakeJob(std::move(id), JobKind::kSwap, "qwen36", "", state, trigger);
}

TEST(RecoveryWanted, WithoutADecidingJobTheModelSeenServingIsWanted) {
  // vLLM launched by hand or before spark-control ran: no job decides, the probe saw it serve.
  const std::optional<std::string> seen = "gemma4";
  RecoveryWanted w = VllmWanted({}, std::nullopt, seen);
  EXPECT_EQ(w.kind, Kind::kRunning);
  EXPECT_EQ(w.model, "gemma4");
  // A job that decides wins over what was seen: a user's stop, a failed user swap.
  w = VllmWanted({MakeJob("j3", JobKind::kService, "vllm", "stop", JobState::kSucceeded)},
                 std::nullopt, seen);
  EXPECT_EQ(w.kind, Kind::kStopped);
  w = VllmWanted({SwapJob("j4", JobState::kFailed)}, std::nullopt, seen);
  EXPECT_EQ(w.kind, Kind::kNothing);
  // A download decides nothing.
  w = VllmWanted({MakeJob("j5", JobKind::kDownload, "org/x", "", JobState::kSucceeded)},
                 std::nullopt, seen);
  EXPECT_EQ(w.kind, Kind::kRunning);
}

TEST(RecoveryWanted, VllmFollowsTheNewestEndedSwapStopOrRollback) {
  const std::optional<std::string> ready = "qwen36";
  RecoveryWanted w = VllmWanted({}, ready);
  EXPECT_EQ(w.kind, Kind::kNothing);
  EXPECT_EQ(w.reason, "no swap has made a model ready; waiting for a start or a swap");

  w = VllmWanted({SwapJob("j2", JobState::kSucceeded)}, ready);
  EXPECT_EQ(w.kind, Kind::kRunning);
  EXPECT_EQ(w.model, "qwen36");
  // A running job does not decide; downloads, apply updates and speech jobs never do.
  w = VllmWanted({SwapJob("j5", JobState::kRunning),
                  MakeJob("j4", JobKind::kDownload, "org/m", "", JobState::kFailed),
                  MakeJob("j3", JobKind::kUpdate, "vllm-node", "apply", JobState::kFailed),
                  MakeJob("j2", JobKind::kService, "parakeet", "stop", JobState::kSucceeded),
                  SwapJob("j1", JobState::kSucceeded)},
                 ready);
  EXPECT_EQ(w.kind, Kind::kRunning);

  w = VllmWanted({MakeJob("j7", JobKind::kService, "vllm", "stop", JobState::kSucceeded),
                  SwapJob("j1", JobState::kSucceeded)},
                 ready);
  EXPECT_EQ(w.kind, Kind::kStopped);
  EXPECT_EQ(w.reason, "vllm was stopped by the user (j7): not relaunching it");

  w = VllmWanted({SwapJob("j5", JobState::kFailed), SwapJob("j1", JobState::kSucceeded)}, ready);
  EXPECT_EQ(w.kind, Kind::kNothing);
  EXPECT_EQ(w.reason, "the last swap j5 failed; waiting for a start or a swap");
  w = VllmWanted({SwapJob("j5", JobState::kCancelled)}, ready);
  EXPECT_EQ(w.reason, "the last swap j5 was cancelled; waiting for a start or a swap");
  w = VllmWanted({MakeJob("j6", JobKind::kUpdate, "vllm-node", "rollback", JobState::kFailed)},
                 ready);
  EXPECT_EQ(w.reason, "the last rollback j6 failed; waiting for a start or a swap");
  w = VllmWanted({MakeJob("j6", JobKind::kUpdate, "vllm-node", "rollback", JobState::kSucceeded)},
                 ready);
  EXPECT_EQ(w.kind, Kind::kRunning);
}

TEST(RecoveryWanted, AFailedRecoverySwapStillWantsTheModelAndACancelledOneDoesNot) {
  const std::optional<std::string> ready = "qwen36";
  RecoveryWanted w = VllmWanted({SwapJob("j9", JobState::kFailed, JobTrigger::kRecovery),
                                 SwapJob("j8", JobState::kFailed, JobTrigger::kRecovery),
                                 SwapJob("j1", JobState::kSucceeded)},
                                ready);
  EXPECT_EQ(w.kind, Kind::kRunning);
  EXPECT_EQ(w.model, "qwen36");
  w = VllmWanted({SwapJob("j9", JobState::kCancelled, JobTrigger::kRecovery),
                  SwapJob("j1", JobState::kSucceeded)},
                 ready);
  EXPECT_EQ(w.kind, Kind::kNothing);
  EXPECT_EQ(w.reason, "the recovery swap j9 was cancelled; waiting for a start or a swap");
  // Only failed recovery swaps before the user's failed one: the user saw it fail.
  w = VllmWanted(
      {SwapJob("j9", JobState::kFailed, JobTrigger::kRecovery), SwapJob("j5", JobState::kFailed)},
      ready);
  EXPECT_EQ(w.kind, Kind::kNothing);
  // A succeeded swap with no model the controller knows ready: nothing to relaunch.
  EXPECT_EQ(VllmWanted({SwapJob("j1", JobState::kSucceeded)}, std::nullopt).kind, Kind::kNothing);
}

TEST(RecoveryWanted, ASpeechServiceRunsUnlessItsNewestEndedJobStoppedIt) {
  EXPECT_EQ(SpeechWanted({}, "parakeet").kind, Kind::kRunning);
  const JobInfo stop = MakeJob("j3", JobKind::kService, "parakeet", "stop", JobState::kSucceeded);
  const JobInfo start = MakeJob("j4", JobKind::kService, "parakeet", "start", JobState::kFailed);
  const JobInfo fix =
      MakeJob("j5", JobKind::kService, "parakeet", "fix-cache-ownership", JobState::kSucceeded);
  const RecoveryWanted stopped = SpeechWanted({fix, stop}, "parakeet");
  EXPECT_EQ(stopped.kind, Kind::kStopped);
  EXPECT_EQ(stopped.reason, "parakeet was stopped by the user (j3): not starting it");
  EXPECT_EQ(SpeechWanted({start, stop}, "parakeet").kind, Kind::kRunning);
  EXPECT_EQ(SpeechWanted({stop}, "magpie").kind, Kind::kRunning);
}

TEST(RecoveryWanted, SwapsUpdatesAndVllmJobsHoldVllmButADownloadDoesNot) {
  const JobInfo download = MakeJob("j9", JobKind::kDownload, "org/m", "", JobState::kRunning);
  const JobInfo speech =
      MakeJob("j8", JobKind::kService, "parakeet", "restart", JobState::kRunning);
  EXPECT_EQ(RecoveryHold({download, speech}, "vllm", std::nullopt), "");
  EXPECT_EQ(RecoveryHold({download, SwapJob("j12", JobState::kRunning)}, "vllm", std::nullopt),
            "swap j12 runs");
  EXPECT_EQ(
      RecoveryHold({MakeJob("j3", JobKind::kUpdate, "vllm-node", "apply", JobState::kRunning)},
                   "vllm", std::nullopt),
      "apply j3 runs");
  EXPECT_EQ(RecoveryHold({MakeJob("j4", JobKind::kService, "vllm", "stop", JobState::kRunning)},
                         "vllm", std::nullopt),
            "vllm stop j4 runs");
  // Its own recovery job and ended jobs hold nothing.
  EXPECT_EQ(RecoveryHold({SwapJob("j12", JobState::kRunning, JobTrigger::kRecovery),
                          SwapJob("j11", JobState::kFailed)},
                         "vllm", "j12"),
            "");
  // A speech service: its own jobs only.
  EXPECT_EQ(RecoveryHold({SwapJob("j12", JobState::kRunning), download}, "parakeet", std::nullopt),
            "");
  EXPECT_EQ(RecoveryHold({speech}, "parakeet", std::nullopt), "parakeet restart j8 runs");
}

TEST(RecoveryWanted, TheNewestUserJobIsWhatTakesAServiceOver) {
  const std::vector<JobInfo> jobs = {
      SwapJob("j9", JobState::kRunning, JobTrigger::kRecovery),
      MakeJob("j8", JobKind::kService, "parakeet", "start", JobState::kSucceeded,
              JobTrigger::kRecovery),
      MakeJob("j7", JobKind::kDownload, "org/m", "", JobState::kRunning),
      MakeJob("j6", JobKind::kService, "parakeet", "stop", JobState::kSucceeded),
      SwapJob("j5", JobState::kSucceeded)};
  EXPECT_EQ(NewestUserJob(jobs, "vllm"), "j5");
  EXPECT_EQ(NewestUserJob(jobs, "parakeet"), "j6");
  EXPECT_EQ(NewestUserJob(jobs, "magpie"), std::nullopt);
}

}  // namespace recovery_wanted_test
}  // namespace spark
