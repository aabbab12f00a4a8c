// The self-healing loop's decision table (issue 16's design), pure: every row of "A death"
// for vLLM and a speech service, the hold-offs, what the user wanted, and the backoff clock,
// window and breaker on injected times.
#include "controller/recovery_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spark {
namespace recovery_policy_test {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const WallTime kDeath = WallTime(seconds(1795996800));  // 2026-11-30 00:00:00 UTC
const WallTime kBoot = kDeath - hours(24);

ContainerReport Container(std::string status, int exit_code = 0, bool oom = false) {
  ContainerReport report;
  report.boot_epoch_s = std::chrono::duration_cast<seconds>(kBoot.time_since_epoch()).count();
  report.status = std::move(status);
  report.exit_code = exit_code;
  report.oom_killed = oom;
  report.finished_at = kDeath - seconds(1);
  return report;
}

ContainerReport Missing() {
  ContainerReport report = Container("");
  report.missing = true;
  report.finished_at.reset();
  return report;
}

RecoveryInput Down(bool vllm, std::optional<Result<ContainerReport>> report = std::nullopt) {
  RecoveryInput in;
  in.service = vllm ? "vllm" : "parakeet";
  in.container = vllm ? "vllm_node" : "parakeet";
  in.spark = vllm ? "spark1" : "spark2";
  in.vllm = vllm;
  in.wanted = {RecoveryWanted::Kind::kRunning, vllm ? "qwen36" : "", ""};
  in.up = false;
  in.down_reason = FailureReason::kRefused;
  in.down_since = kDeath;
  in.now = kDeath + seconds(1);
  if (report) in.inspection = RecoveryInspection{*report, kDeath + seconds(1)};
  return in;
}

TEST(RecoveryPolicy, OffWithoutAContainerWhenDisabledOrNotConfigured) {
  RecoveryInput in = Down(false, Container("exited", 1));
  in.container.clear();
  RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kOff);
  EXPECT_EQ(d.reason, "parakeet has no container: nothing to recover");
  EXPECT_EQ(d.action, "");
  EXPECT_EQ(d.step, RecoveryStep::kNothing);

  in = Down(true, Container("exited", 1));
  in.config.enabled = false;
  d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kOff);
  EXPECT_EQ(d.reason, "recovery is off (recovery.enabled: false)");

  in = Down(true);
  in.down_reason = FailureReason::kNotConfigured;
  EXPECT_EQ(DecideRecovery(in).state, RecoveryState::kOff);
}

TEST(RecoveryPolicy, NothingToDoBeforeTheFirstProbeOrWhileUp) {
  for (std::optional<bool> up : {std::optional<bool>(), std::optional<bool>(true)}) {
    RecoveryInput in = Down(true, Container("exited", 1));
    in.up = up;
    const RecoveryDecision d = DecideRecovery(in);
    EXPECT_EQ(d.state, RecoveryState::kIdle);
    EXPECT_EQ(d.action, "");
    EXPECT_EQ(d.reason, "");
    EXPECT_EQ(d.step, RecoveryStep::kNothing);
  }
}

TEST(RecoveryPolicy, ARunningJobHoldsADeadServiceAndAnUpOneQuietly) {
  RecoveryInput in = Down(true, Container("exited", 1));
  in.hold = "swap j12 runs";
  RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kIdle);
  EXPECT_EQ(d.action, "held");
  EXPECT_EQ(d.reason, "held: swap j12 runs");
  EXPECT_EQ(d.step, RecoveryStep::kNothing);
  in.up = true;
  d = DecideRecovery(in);
  EXPECT_EQ(d.action, "");
  EXPECT_EQ(d.reason, "");
}

TEST(RecoveryPolicy, ItsOwnJobRecoversAndATrippedBreakerStays) {
  RecoveryInput in = Down(true, Container("exited", 1));
  in.job = "j14";
  in.attempts = {kDeath};
  RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kRecovering);
  EXPECT_EQ(d.action, "");
  EXPECT_EQ(d.attempts, 1);
  in.job.reset();
  in.tripped = true;
  for (std::optional<bool> up : {std::optional<bool>(false), std::optional<bool>(true)}) {
    in.up = up;
    d = DecideRecovery(in);
    EXPECT_EQ(d.state, RecoveryState::kTripped);
    EXPECT_EQ(d.action, "");
    EXPECT_EQ(d.step, RecoveryStep::kNothing);
  }
}

TEST(RecoveryPolicy, WhatTheUserStoppedOrSawFailIsLeftAlone) {
  RecoveryInput in = Down(true, Container("exited", 1));
  in.wanted = {RecoveryWanted::Kind::kStopped, "", "vllm was stopped by the user (j7)"};
  RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kIdle);
  EXPECT_EQ(d.action, "skipped");
  EXPECT_EQ(d.reason, "vllm was stopped by the user (j7)");
  EXPECT_EQ(d.step, RecoveryStep::kNothing);
  in.wanted = {RecoveryWanted::Kind::kNothing, "", "the last swap j5 failed"};
  d = DecideRecovery(in);
  EXPECT_EQ(d.action, "skipped");
  EXPECT_EQ(d.reason, "the last swap j5 failed");
}

TEST(RecoveryPolicy, ADeathIsInspectedFirstAndAgainAfterEachAttempt) {
  RecoveryInput in = Down(true);
  RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.step, RecoveryStep::kInspect);
  EXPECT_EQ(d.state, RecoveryState::kWaiting);
  EXPECT_EQ(d.action, "");
  // An inspect from before this death says nothing about it.
  in = Down(true, Container("exited", 1));
  in.inspection->at = kDeath - seconds(5);
  EXPECT_EQ(DecideRecovery(in).step, RecoveryStep::kInspect);
  // Nor one from before the newest attempt.
  in = Down(true, Container("exited", 1));
  in.attempts = {kDeath + seconds(2)};
  in.now = kDeath + minutes(1);
  EXPECT_EQ(DecideRecovery(in).step, RecoveryStep::kInspect);
}

TEST(RecoveryPolicy, ACrashWaitsItsBackoffThenRelaunchesTheWantedModel) {
  ContainerReport crashed = Container("exited", 1);
  crashed.engine_dead = true;
  RecoveryInput in = Down(true, crashed);
  RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kWaiting);
  EXPECT_EQ(d.action, "waiting");
  EXPECT_EQ(d.reason,
            "vllm_node exited 1 (its log shows a dead engine); relaunching qwen36 in 30 s, "
            "attempt 1 of 3");
  EXPECT_EQ(d.next_at, kDeath + seconds(31));  // 30 s after the inspect classified it
  EXPECT_EQ(d.step, RecoveryStep::kNothing);
  in.now = kDeath + seconds(30);
  EXPECT_EQ(DecideRecovery(in).state, RecoveryState::kWaiting);
  in.now = kDeath + seconds(31);
  d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kRecovering);
  EXPECT_EQ(d.action, "recovering");
  EXPECT_EQ(d.step, RecoveryStep::kRelaunch);
  EXPECT_EQ(d.model, "qwen36");
  EXPECT_EQ(d.reason,
            "vllm_node exited 1 (its log shows a dead engine); relaunching qwen36, attempt 1 of 3");
}

TEST(RecoveryPolicy, ABackoffOfZeroStartsAtOnce) {
  RecoveryInput in = Down(false, Container("exited", 2));
  in.config.backoff_s = {0};
  const RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kRecovering);
  EXPECT_EQ(d.step, RecoveryStep::kDockerStart);
  EXPECT_EQ(d.reason, "parakeet exited 2; starting parakeet, attempt 1 of 3");
}

// Every row of the design's table, for vLLM and a speech service.
struct Row {
  const char* name;
  Result<ContainerReport> report;
  WallTime now;
  RecoveryStep vllm;  // kNothing: no attempt (see `state`)
  RecoveryStep speech;
  RecoveryState vllm_state;
  RecoveryState speech_state;
  const char* speech_reason;  // checked when not empty
};

ContainerReport Rebooted(int exit_code) {
  ContainerReport report = Container("exited", exit_code);
  report.boot_epoch_s = std::chrono::duration_cast<seconds>(kDeath.time_since_epoch()).count();
  report.finished_at = kDeath + seconds(119);  // within the slack after the boot
  return report;
}

ContainerReport UnknownBoot(int exit_code) {
  ContainerReport report = Container("exited", exit_code);
  report.boot_epoch_s.reset();
  return report;
}

ContainerReport EngineDead(std::string status, int exit_code) {
  ContainerReport report = Container(std::move(status), exit_code);
  report.engine_dead = true;
  return report;
}

std::vector<Row> TableRows() {
  using S = RecoveryStep;
  using R = RecoveryState;
  const WallTime soon = kDeath + hours(1);  // past every backoff and hung_s
  const WallTime early = kDeath + seconds(10);
  const Status ssh = Status::Error(ErrorCode::kSshUnreachable, "connect: no route to host");
  const Status docker =
      Status::Error(ErrorCode::kRemoteCommandFailed, "docker inspect failed: permission denied");
  return {
      {"exit 1", Container("exited", 1), soon, S::kRelaunch, S::kDockerStart, R::kRecovering,
       R::kRecovering, "parakeet exited 1; starting parakeet, attempt 1 of 3"},
      {"exit 137 oom", Container("exited", 137, true), soon, S::kRelaunch, S::kDockerStart,
       R::kRecovering, R::kRecovering,
       "parakeet was killed out of memory (exit 137); starting parakeet, attempt 1 of 3"},
      {"exit 0 oom", Container("exited", 0, true), soon, S::kRelaunch, S::kDockerStart,
       R::kRecovering, R::kRecovering, ""},
      {"exit 0", Container("exited", 0), soon, S::kNothing, S::kNothing, R::kIdle, R::kIdle,
       "parakeet exited 0, a clean stop by hand: not starting it"},
      {"exit 143", Container("exited", 143), soon, S::kNothing, S::kNothing, R::kIdle, R::kIdle,
       ""},
      {"exit 143 unknown boot", UnknownBoot(143), soon, S::kNothing, S::kNothing, R::kIdle,
       R::kIdle, ""},
      {"exit 143 reboot", Rebooted(143), soon, S::kRelaunch, S::kDockerStart, R::kRecovering,
       R::kRecovering,
       "parakeet went down with spark2's reboot (exit 143); starting parakeet, attempt 1 of 3"},
      {"exit 0 reboot", Rebooted(0), soon, S::kRelaunch, S::kDockerStart, R::kRecovering,
       R::kRecovering, ""},
      {"exit 1 reboot", Rebooted(1), soon, S::kRelaunch, S::kDockerStart, R::kRecovering,
       R::kRecovering, ""},
      {"missing", Missing(), soon, S::kRelaunch, S::kNothing, R::kRecovering, R::kIdle,
       "parakeet is missing on spark2: nothing to start"},
      {"running engine dead", EngineDead("running", 0), early, S::kRelaunch, S::kNothing,
       R::kRecovering, R::kWaiting, ""},
      {"running hung", Container("running"), soon, S::kRelaunch, S::kDockerRestart, R::kRecovering,
       R::kRecovering,
       "parakeet runs but parakeet has not answered for 2 min (hung); restarting parakeet, "
       "attempt 1 of 3"},
      {"running not yet hung", Container("running"), early, S::kNothing, S::kNothing, R::kWaiting,
       R::kWaiting,
       "parakeet runs but parakeet does not answer: hung if it still does not after 2 min"},
      {"restarting", Container("restarting"), early, S::kNothing, S::kNothing, R::kWaiting,
       R::kWaiting, "parakeet is restarting on spark2: waiting for it to settle"},
      {"created", Container("created"), early, S::kNothing, S::kNothing, R::kWaiting, R::kWaiting,
       ""},
      {"paused", Container("paused"), early, S::kNothing, S::kNothing, R::kWaiting, R::kWaiting,
       ""},
      {"dead", Container("dead"), early, S::kNothing, S::kNothing, R::kWaiting, R::kWaiting, ""},
      {"spark unreachable", Result<ContainerReport>(ssh), early, S::kNothing, S::kNothing,
       R::kWaiting, R::kWaiting, "spark2 unreachable: connect: no route to host"},
      {"docker failed", Result<ContainerReport>(docker), early, S::kNothing, S::kNothing,
       R::kWaiting, R::kWaiting,
       "the inspect of parakeet on spark2 failed: docker inspect failed: permission denied"},
  };
}

TEST(RecoveryPolicy, EveryRowOfTheTableForVllmAndSpeech) {
  for (const Row& row : TableRows()) {
    for (bool vllm : {true, false}) {
      SCOPED_TRACE(std::string(row.name) + (vllm ? " (vllm)" : " (speech)"));
      RecoveryInput in = Down(vllm, row.report);
      in.config.backoff_s = {0};
      in.now = row.now;
      // An inspect made just now: "inspect again later" has not come due.
      in.inspection->at = row.now;
      const RecoveryDecision d = DecideRecovery(in);
      EXPECT_EQ(d.step, vllm ? row.vllm : row.speech);
      EXPECT_EQ(d.state, vllm ? row.vllm_state : row.speech_state);
      if (d.step == RecoveryStep::kRelaunch) {
        EXPECT_EQ(d.model, "qwen36");
      }
      const bool acted = d.state == RecoveryState::kRecovering;
      // Waiting for a running container to count as hung (the only wait with a next_at) is
      // no event; the other waits are.
      const char* expected_action = acted                                ? "recovering"
                                    : d.state != RecoveryState::kWaiting ? "skipped"
                                    : d.next_at                          ? ""
                                                                         : "waiting";
      EXPECT_EQ(d.action, expected_action);
      EXPECT_FALSE(d.reason.empty());
      if (!vllm && *row.speech_reason != '\0') {
        EXPECT_EQ(d.reason, row.speech_reason);
      }
    }
  }
}

TEST(RecoveryPolicy, WaitsThatLearnNothingInspectAgainAfterTenSeconds) {
  for (const Result<ContainerReport>& report :
       {Result<ContainerReport>(Container("restarting")),
        Result<ContainerReport>(Status::Error(ErrorCode::kSshUnreachable, "down"))}) {
    RecoveryInput in = Down(true, report);
    RecoveryDecision d = DecideRecovery(in);
    EXPECT_EQ(d.state, RecoveryState::kWaiting);
    EXPECT_FALSE(d.next_at.has_value());  // no attempt is scheduled
    in.now = in.inspection->at + seconds(9);
    EXPECT_EQ(DecideRecovery(in).step, RecoveryStep::kNothing);
    in.now = in.inspection->at + kRecoveryReinspect;
    EXPECT_EQ(DecideRecovery(in).step, RecoveryStep::kInspect);
  }
}

TEST(RecoveryPolicy, ARunningContainerIsHungAfterHungSecondsFromTheDeathOrTheNewestAttempt) {
  RecoveryInput in = Down(false, Container("running"));
  in.config.hung_s = 60;
  RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kWaiting);
  EXPECT_EQ(d.next_at, kDeath + seconds(60));
  EXPECT_EQ(d.action, "");  // a probe that failed a while is no event yet
  // When that time comes the container is inspected again, then restarted after the backoff.
  in.now = kDeath + seconds(60);
  EXPECT_EQ(DecideRecovery(in).step, RecoveryStep::kInspect);
  in.inspection->at = in.now;
  d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kWaiting);
  EXPECT_EQ(d.next_at, kDeath + seconds(90));
  in.now = kDeath + seconds(90);
  EXPECT_EQ(DecideRecovery(in).step, RecoveryStep::kDockerRestart);
  // A container restarted by an attempt gets hung_s of its own to answer.
  in.attempts = {kDeath + seconds(90)};
  in.inspection->at = kDeath + seconds(100);
  in.now = kDeath + seconds(100);
  d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kWaiting);
  EXPECT_EQ(d.next_at, kDeath + seconds(150));
}

TEST(RecoveryPolicy, TheKthAttemptWaitsTheKthBackoffAndTheLastOneRepeats) {
  RecoveryInput in = Down(true, Container("exited", 1));
  in.config.max_failures = 5;
  const WallTime at = in.inspection->at;
  const std::vector<std::pair<int, Duration>> expected = {
      {0, seconds(30)}, {1, seconds(120)}, {2, seconds(600)}, {3, seconds(600)}, {4, seconds(600)}};
  for (const auto& [before, wait] : expected) {
    in.attempts.clear();
    for (int i = 0; i < before; ++i) in.attempts.push_back(at - minutes(10 - i));
    const RecoveryDecision d = DecideRecovery(in);
    EXPECT_EQ(d.attempts, before);
    EXPECT_EQ(d.next_at, at + wait) << before;
    EXPECT_NE(d.reason.find("attempt " + std::to_string(before + 1) + " of 5"), std::string::npos)
        << d.reason;
  }
}

TEST(RecoveryPolicy, MaxFailuresWithinTheWindowTripTheBreakerAndOlderOnesDoNotCount) {
  RecoveryInput in = Down(true, Container("exited", 1));
  const WallTime at = in.inspection->at;
  in.attempts = {at - minutes(20), at - minutes(10), at - minutes(1)};
  RecoveryDecision d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kTripped);
  EXPECT_EQ(d.action, "tripped");
  EXPECT_EQ(d.step, RecoveryStep::kNothing);
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.reason, "vllm_node exited 1; 3 attempts within 30 min: no more until Resume");
  // The oldest left the window (30 min): two remain, the third attempt waits 600 s.
  in.now = at - minutes(20) + minutes(30);
  in.inspection->at = in.now;
  d = DecideRecovery(in);
  EXPECT_EQ(d.state, RecoveryState::kWaiting);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.next_at, in.now + seconds(600));
  // A clean stop never trips it: nothing would be attempted.
  in.inspection->report = Container("exited", 0);
  in.now = at;
  in.inspection->at = at;
  EXPECT_EQ(DecideRecovery(in).state, RecoveryState::kIdle);
}

TEST(RecoveryPolicy, AttemptsInTheWindowAndWaitsAsPeopleReadThem) {
  const std::vector<WallTime> attempts = {kDeath - seconds(60), kDeath - seconds(59), kDeath};
  EXPECT_EQ(AttemptsInWindow(attempts, 60, kDeath), 2);
  EXPECT_EQ(AttemptsInWindow(attempts, 61, kDeath), 3);
  EXPECT_EQ(AttemptsInWindow(attempts, 60, kDeath - seconds(1)), 2);  // none from the future
  EXPECT_EQ(AttemptsInWindow({}, 60, kDeath), 0);
  EXPECT_EQ(FormatWait(seconds(0)), "0 s");
  EXPECT_EQ(FormatWait(seconds(30)), "30 s");
  EXPECT_EQ(FormatWait(seconds(120)), "2 min");
  EXPECT_EQ(FormatWait(seconds(150)), "2 min 30 s");
  EXPECT_EQ(FormatWait(minutes(30)), "30 min");
  EXPECT_EQ(FormatWait(hours(2)), "2 h");
  EXPECT_EQ(FormatWait(hours(2) + minutes(5)), "2 h 5 min");
  const std::vector<std::string> names = {"idle", "waiting", "recovering", "tripped", "off"};
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(RecoveryStateName(kAllRecoveryStates[i]), names[i]);
  }
}

}  // namespace recovery_policy_test
}  // namespace spark
