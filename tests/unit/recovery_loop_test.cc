// The self-healing loop against the simulated cluster, its backoff on a fake clock: a crash
// waits its backoff and is relaunched as a recovery swap; OOM and a reboot relaunch; a clean
// exit and a user's stop are left alone; three failing relaunches trip the breaker, Resume and
// a user's swap clear it; a user's swap holds it; speech containers are started and restarted;
// an unreachable Spark waits; the metrics.
#include "controller/recovery_loop.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/recovery_metrics.h"
#include "exporter/time_format.h"
#include "support/recovery_fixture.h"

namespace spark {
namespace recovery_loop_test {

using std::chrono::minutes;
using std::chrono::seconds;

class RecoveryLoopTest : public test::RecoveryFixture {
 protected:
  std::string Now() const { return FormatRfc3339(loop_clock_.WallNow()); }
  std::vector<std::string> Actions(const std::string& service) {
    std::vector<std::string> actions;
    for (const ConnectivityEvent& e : RecoveryEvents(service)) actions.push_back(e.action);
    return actions;
  }
  std::vector<std::string> Reasons(const std::string& service) {
    std::vector<std::string> reasons;
    for (const ConnectivityEvent& e : RecoveryEvents(service)) {
      reasons.push_back(e.action + ": " + e.reason);
    }
    return reasons;
  }
  // Until the loop slept again after the clock moved by `d`.
  void AdvanceLoop(Duration d) {
    ASSERT_TRUE(loop_clock_.AwaitWaiters(1));
    loop_clock_.Advance(d);
    ASSERT_TRUE(loop_clock_.AwaitWaiters(1));
  }
  // Every launch of qwen36 fails (other models launch as usual).
  void FailQwenLaunches() {
    executor_.On(
        std::string("-d exec vllm serve ") + test::kQwen36,
        SimulatedScript::Fail(Status::Error(ErrorCode::kRemoteCommandFailed, "the launch failed")));
  }
};

TEST_F(RecoveryLoopTest, ACrashWaitsItsBackoffThenRelaunchesTheModelAsARecoverySwap) {
  ServeQwen();
  StartLoop();
  SetContainer("vllm_node", "exited 1 false " + Now(), true);
  const WallTime died = loop_clock_.WallNow();
  KillVllm();
  ASSERT_TRUE(Settles([&] { return StatusOf("vllm").state == RecoveryState::kWaiting; }));
  RecoveryStatus status = StatusOf("vllm");
  EXPECT_EQ(status.next_at, died + seconds(30));
  EXPECT_EQ(status.attempts, 0);
  EXPECT_EQ(status.last_reason,
            "vllm_node exited 1 (its log shows a dead engine); relaunching qwen36 in 30 s, "
            "attempt 1 of 3");
  AdvanceLoop(seconds(29));
  EXPECT_TRUE(RecoveryJobs().empty());
  loop_clock_.Advance(seconds(1));
  ASSERT_TRUE(Settles([&] { return !RecoveryJobs().empty(); }));
  const JobInfo job = RecoveryJobs().front();
  EXPECT_EQ(job.kind, JobKind::kSwap);
  EXPECT_EQ(job.target, "qwen36");
  EXPECT_EQ(Wait(job.id).state, JobState::kSucceeded);
  ASSERT_TRUE(Settles([&] { return loop_->counts().outcomes["vllm"]["succeeded"] == 1; }));
  status = StatusOf("vllm");
  EXPECT_EQ(status.state, RecoveryState::kIdle);
  EXPECT_EQ(status.attempts, 1);
  EXPECT_EQ(status.job, std::nullopt);
  EXPECT_EQ(status.last_reason, "the relaunch of qwen36 (" + job.id + ") succeeded");
  const auto events = RecoveryEvents("vllm");
  ASSERT_EQ(Actions("vllm"), (std::vector<std::string>{"waiting", "recovering", "succeeded"}));
  EXPECT_EQ(events[1].reason,
            "vllm_node exited 1 (its log shows a dead engine); relaunching qwen36, attempt 1 of 3");
  for (const ConnectivityEvent& e : events) {
    EXPECT_TRUE(e.ok);
    EXPECT_EQ(e.source, "recovery");
    EXPECT_EQ(e.cluster, "default");
  }
  EXPECT_EQ(loop_->counts().outcomes["vllm"]["failed"], 0u);
}

TEST_F(RecoveryLoopTest, AnOomKillAndARebootRelaunch) {
  recovery_.backoff_s = {0};
  ServeQwen();
  StartLoop();
  SetContainer("vllm_node", "exited 137 true " + Now());
  KillVllm();
  ASSERT_TRUE(Settles([&] { return RecoveryJobs().size() == 1; }));
  EXPECT_EQ(Wait(RecoveryJobs().front().id).state, JobState::kSucceeded);
  EXPECT_NE(RecoveryEvents("vllm")[0].reason.find("killed out of memory (exit 137)"),
            std::string::npos);
  ASSERT_TRUE(Settles([&] { return loop_->counts().outcomes["vllm"]["succeeded"] == 1; }));
  // Later the Spark reboots: the container stopped (143) just before the boot time.
  AdvanceLoop(minutes(1));
  const auto boot = std::chrono::duration_cast<seconds>(loop_clock_.WallNow().time_since_epoch());
  SetInspect("vllm_node",
             SimulatedScript::Print(
                 {"boot " + std::to_string(boot.count()),
                  "container exited 143 false " + FormatRfc3339(loop_clock_.WallNow() - seconds(5)),
                  "engine_dead 0", "spark-control-inspect-end"}));
  KillVllm();
  ASSERT_TRUE(Settles([&] { return RecoveryJobs().size() == 2; }));
  EXPECT_EQ(RecoveryJobs().front().target, "qwen36");
  EXPECT_EQ(Wait(RecoveryJobs().front().id).state, JobState::kSucceeded);
  bool rebooted = false;
  for (const auto& e : RecoveryEvents("vllm")) {
    rebooted = rebooted || e.reason.find("went down with spark1's reboot") != std::string::npos;
  }
  EXPECT_TRUE(rebooted) << ::testing::PrintToString(Reasons("vllm"));
}

TEST_F(RecoveryLoopTest, ACleanExitIsSkippedWithOneEvent) {
  recovery_.backoff_s = {0};
  ServeQwen();
  StartLoop();
  SetContainer("vllm_node", "exited 0 false " + Now());
  KillVllm();
  ASSERT_TRUE(Settles([&] { return !RecoveryEvents("vllm").empty(); }));
  for (int i = 0; i < 3; ++i) AdvanceLoop(seconds(11));
  EXPECT_EQ(Actions("vllm"), std::vector<std::string>{"skipped"});
  EXPECT_EQ(RecoveryEvents("vllm")[0].reason,
            "vllm_node exited 0, a clean stop by hand: not relaunching it");
  EXPECT_EQ(StatusOf("vllm").state, RecoveryState::kIdle);
  EXPECT_TRUE(RecoveryJobs().empty());
}

TEST_F(RecoveryLoopTest, AStopTheUserAskedForIsNeverUndone) {
  recovery_.backoff_s = {0};
  ServeQwen();
  StartLoop();
  SetContainer("vllm_node", "exited 137 false " + Now());
  auto stop = controller_->ServiceAction("vllm", "stop");
  ASSERT_TRUE(stop.ok());
  ASSERT_EQ(Wait(stop->id).state, JobState::kSucceeded);
  // (A round while the stop ran says "held" first.)
  ASSERT_TRUE(Settles([&] {
    return !Actions("vllm").empty() && Actions("vllm").back() == "skipped";
  })) << ::testing::PrintToString(Reasons("vllm"));
  EXPECT_EQ(RecoveryEvents("vllm").back().reason,
            "vllm was stopped by the user (" + stop->id + "): not relaunching it");
  AdvanceLoop(minutes(5));
  EXPECT_EQ(Inspects("vllm_node"), 0);
  EXPECT_TRUE(RecoveryJobs().empty());
}

TEST_F(RecoveryLoopTest, ThreeFailingRelaunchesTripTheBreakerResumeAndAUserSwapClearIt) {
  recovery_.backoff_s = {0};
  ServeQwen();
  StartLoop();
  FailQwenLaunches();
  SetContainer("vllm_node", "exited 1 false " + Now(), true);
  KillVllm();
  ASSERT_TRUE(Settles([&] { return StatusOf("vllm").state == RecoveryState::kTripped; }));
  AdvanceLoop(minutes(10));  // no fourth attempt, however long
  const auto jobs = RecoveryJobs();
  ASSERT_EQ(jobs.size(), 3u);
  for (const JobInfo& job : jobs) EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(loop_->counts().outcomes["vllm"]["failed"], 3u);
  EXPECT_EQ(Actions("vllm"),
            (std::vector<std::string>{"recovering", "failed", "recovering", "failed", "recovering",
                                      "failed", "tripped"}));
  const ConnectivityEvent tripped = RecoveryEvents("vllm").back();
  EXPECT_FALSE(tripped.ok);
  EXPECT_EQ(tripped.reason,
            "vllm_node exited 1 (its log shows a dead engine); 3 attempts within 30 min: no more "
            "until Resume");
  EXPECT_EQ(StatusOf("vllm").attempts, 3);

  ASSERT_TRUE(loop_->Resume("vllm").ok());
  // The attempts are cleared; the loop, woken by the resume, may already have started the
  // next one (backoff 0) by the time this reads it.
  EXPECT_LE(StatusOf("vllm").attempts, 1);
  EXPECT_EQ(RecoveryEvents("vllm")[7].action, "resumed");
  ASSERT_TRUE(Settles([&] { return StatusOf("vllm").state == RecoveryState::kTripped; }));
  EXPECT_EQ(RecoveryJobs().size(), 6u);  // tried again, three times
  EXPECT_EQ(loop_->Resume("nope").code(), ErrorCode::kNotFound);

  // The user takes over with a swap of their own: the breaker is cleared.
  auto swap = controller_->Swap("gemma4");
  ASSERT_TRUE(swap.ok());
  ASSERT_EQ(Wait(swap->id).state, JobState::kSucceeded);
  ASSERT_TRUE(Settles([&] { return StatusOf("vllm").state == RecoveryState::kIdle; }));
  EXPECT_EQ(StatusOf("vllm").attempts, 0);
}

TEST_F(RecoveryLoopTest, AUserSwapHoldsRecoveryWhileItRuns) {
  ServeQwen();
  StartLoop();
  SetContainer("vllm_node", "exited 1 false " + Now());
  SimulatedScript hang = SimulatedScript::Print({"Starting vllm_node on head node..."});
  hang.end = SimulatedScript::End::kHang;
  executor_.On("-d exec", hang);
  auto swap = controller_->Swap("gemma4");
  ASSERT_TRUE(swap.ok());
  ASSERT_TRUE(Settles([&] { return Actions("vllm") == std::vector<std::string>{"held"}; }));
  EXPECT_EQ(StatusOf("vllm").state, RecoveryState::kIdle);
  EXPECT_EQ(StatusOf("vllm").last_reason, "held: swap " + swap->id + " runs");
  AdvanceLoop(minutes(5));
  EXPECT_EQ(Inspects("vllm_node"), 0);
  EXPECT_TRUE(RecoveryJobs().empty());
  ASSERT_TRUE(controller_->Cancel(swap->id).ok());
  Wait(swap->id);
  // The user saw their swap end: recovery waits for them.
  ASSERT_TRUE(Settles([&] { return Actions("vllm").size() == 2; }));
  EXPECT_EQ(RecoveryEvents("vllm")[1].reason,
            "the last swap " + swap->id + " was cancelled; waiting for a start or a swap");
  EXPECT_TRUE(RecoveryJobs().empty());
}

TEST_F(RecoveryLoopTest, SpeechContainersAreStartedOrRestartedWhenHung) {
  recovery_.backoff_s = {0};
  recovery_.hung_s = 10;
  StartLoop();
  SetContainer("parakeet", "exited 1 false " + Now());
  SetUp("parakeet", false);
  ASSERT_TRUE(Settles([&] { return RecoveryJobs().size() == 1; }));
  JobInfo job = RecoveryJobs().front();
  EXPECT_EQ(job.kind, JobKind::kService);
  EXPECT_EQ(job.target, "parakeet");
  EXPECT_EQ(job.action, "start");
  EXPECT_EQ(Wait(job.id).state, JobState::kSucceeded);
  SetUp("parakeet", true);
  ASSERT_TRUE(Settles([&] { return loop_->counts().outcomes["parakeet"]["succeeded"] == 1; }));

  SetContainer("magpie", "running 0 false 0001-01-01T00:00:00Z");
  const WallTime down = loop_clock_.WallNow();
  SetUp("magpie", false);
  ASSERT_TRUE(Settles([&] { return StatusOf("magpie").state == RecoveryState::kWaiting; }));
  EXPECT_EQ(StatusOf("magpie").next_at, down + seconds(10));
  EXPECT_EQ(RecoveryJobs().size(), 1u);
  loop_clock_.Advance(seconds(10));
  ASSERT_TRUE(Settles([&] { return RecoveryJobs().size() == 2; }));
  job = RecoveryJobs().front();
  EXPECT_EQ(job.target, "magpie");
  EXPECT_EQ(job.action, "restart");
  EXPECT_EQ(Wait(job.id).state, JobState::kSucceeded);
  bool restarted = false;
  for (const auto& c : executor_.commands()) {
    restarted =
        restarted || (c.spark == "spark2" && c.line.find("docker restart") != std::string::npos);
  }
  EXPECT_TRUE(restarted);
}

TEST_F(RecoveryLoopTest, AnUnreachableSparkWaitsAndIsInspectedAgainEveryTenSeconds) {
  ServeQwen();
  StartLoop();
  SetInspect("vllm_node",
             SimulatedScript::Fail(Status::Error(ErrorCode::kSshUnreachable, "no route to host")));
  KillVllm();
  ASSERT_TRUE(Settles([&] { return StatusOf("vllm").state == RecoveryState::kWaiting; }));
  EXPECT_EQ(StatusOf("vllm").last_reason, "spark1 unreachable: no route to host");
  EXPECT_EQ(StatusOf("vllm").next_at, std::nullopt);
  AdvanceLoop(seconds(1));
  const int inspects = Inspects("vllm_node");
  AdvanceLoop(seconds(8));
  EXPECT_EQ(Inspects("vllm_node"), inspects);
  AdvanceLoop(seconds(1));
  EXPECT_EQ(Inspects("vllm_node"), inspects + 1);
  EXPECT_EQ(Actions("vllm"), std::vector<std::string>{"waiting"});  // one event, not one a round
  EXPECT_TRUE(RecoveryJobs().empty());
}

TEST_F(RecoveryLoopTest, EveryServiceIsShownOffWhenDisabledAndInTheMetrics) {
  recovery_.enabled = false;
  StartLoop();
  ASSERT_TRUE(Settles([&] { return StatusOf("magpie").last_reason != ""; }));
  const auto snapshot = loop_->Snapshot();
  ASSERT_EQ(snapshot.size(), 3u);
  for (const auto& [service, status] : snapshot) {
    EXPECT_EQ(status.state, RecoveryState::kOff) << service;
    EXPECT_EQ(status.last_reason, "recovery is off (recovery.enabled: false)");
  }
  Families families;
  MakeRecoveryMetrics(*loop_)->Collect(families);
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "spark_control_recoveries_total");
  EXPECT_EQ(families[0].metric.size(), 6u);  // 3 services × succeeded, failed: all 0
  for (const auto& m : families[0].metric) EXPECT_EQ(m.counter.value, 0);
  EXPECT_EQ(families[1].name, "spark_control_recovery_state");
  ASSERT_EQ(families[1].metric.size(), 15u);  // 3 services × 5 states
  double ones = 0;
  for (const auto& m : families[1].metric) {
    ones += m.gauge.value;
    if (m.label[1].value == "off") {
      EXPECT_EQ(m.gauge.value, 1);
    }
  }
  EXPECT_EQ(ones, 3);
  // Resume of a service whose recovery is off: 200, still off.
  EXPECT_TRUE(loop_->Resume("parakeet").ok());
  EXPECT_EQ(StatusOf("parakeet").state, RecoveryState::kOff);
}

}  // namespace recovery_loop_test
}  // namespace spark
