// The simulated executor (what --demo and state-machine tests run against) and the line
// splitting both executors share.
#include "demo/simulated_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "controller/command_builder.h"
#include "support/fake_clock.h"

namespace spark {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

const SystemClock kSystemClock;

RemoteCommand Cmd(std::string line, Duration timeout = seconds(5), LineCallback on_line = {}) {
  return RemoteCommand{"spark1", std::move(line), timeout, std::move(on_line)};
}

TEST(LineSplitter, SplitsOnEveryLineEnding) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto emit = [&](std::string_view l) { lines.emplace_back(l); };
  splitter.Feed("a\nb\r", emit);
  splitter.Feed("\nc\rprogress 50%\rprogress 100%\r\nd", emit);
  splitter.Feed("e", emit);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c", "progress 50%", "progress 100%"}));
  splitter.Flush(emit);
  EXPECT_EQ(lines.back(), "de");
  splitter.Feed(std::string(LineSplitter::kMaxLine + 5, 'x') + "\n", emit);
  EXPECT_EQ(lines[lines.size() - 2].size(), LineSplitter::kMaxLine);
  EXPECT_EQ(lines.back(), "xxxxx");
}

TEST(SimulatedExecutor, PlaysScriptedLinesInOrderWithTheExitCode) {
  SimulatedExecutor executor(kSystemClock);
  executor.On("hello", SimulatedScript::Print({"one", "two", "three"}, milliseconds(5), 3));
  const auto out = RunCollecting(executor, Cmd("echo hello"));
  EXPECT_EQ(out.stdout_lines, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(out.outcome.status.code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_EQ(out.outcome.exit_code, 3);
  EXPECT_GE(out.outcome.duration, milliseconds(15));
}

TEST(SimulatedExecutor, RecordsCommandsAndLetsTheLastRuleWin) {
  SimulatedExecutor executor(kSystemClock);
  executor.On("docker", SimulatedScript::Print({"general"}));
  executor.On("docker ps", SimulatedScript::Print({"specific"}));
  EXPECT_EQ(RunCollecting(executor, Cmd("docker ps")).stdout_lines,
            std::vector<std::string>{"specific"});
  EXPECT_EQ(RunCollecting(executor, Cmd("docker logs x")).stdout_lines,
            std::vector<std::string>{"general"});
  const auto unmatched = RunCollecting(executor, Cmd("true"));
  EXPECT_TRUE(unmatched.outcome.status.ok());
  EXPECT_TRUE(unmatched.stdout_lines.empty());
  const auto commands = executor.commands();
  ASSERT_EQ(commands.size(), 3u);
  EXPECT_EQ(commands[0].line, "docker ps");
  EXPECT_EQ(commands[2].spark, "spark1");
  EXPECT_EQ(commands[2].timeout, seconds(5));
}

TEST(SimulatedExecutor, StderrAndTimeScale) {
  SimulatedExecutor executor(kSystemClock, 0.01);
  SimulatedScript script;
  script.lines = {{seconds(10), RemoteStream::kStderr, "warning", {}},
                  {seconds(10), RemoteStream::kStdout, "ok", {}}};
  executor.On("", script);
  const auto start = SteadyClock::now();
  const auto out = RunCollecting(executor, Cmd("anything"));
  EXPECT_LT(SteadyClock::now() - start, seconds(2));  // 20 s of script at 1/100 speed
  EXPECT_EQ(out.stderr_lines, std::vector<std::string>{"warning"});
  EXPECT_EQ(out.stdout_lines, std::vector<std::string>{"ok"});
}

TEST(SimulatedExecutor, HangEndsAtTheDeadline) {
  test::FakeClock clock;
  SimulatedExecutor executor(clock);
  SimulatedScript hang = SimulatedScript::Print({"started"});
  hang.end = SimulatedScript::End::kHang;
  executor.On("follow", hang);
  auto run = executor.Start(Cmd("follow", seconds(60)));
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(seconds(59));
  ASSERT_TRUE(clock.AwaitWaiters(1));  // still hanging at 59 s
  EXPECT_FALSE(run->finished());
  clock.Advance(seconds(1));
  const auto outcome = run->WaitFor(seconds(10));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status.code(), ErrorCode::kTimeout);
  EXPECT_EQ(outcome->duration, seconds(60));
}

TEST(SimulatedExecutor, CancelStopsARunningCommand) {
  test::FakeClock clock;
  SimulatedExecutor executor(clock);
  SimulatedScript hang;
  hang.end = SimulatedScript::End::kHang;
  executor.On("follow", hang);
  auto run = executor.Start(Cmd("follow", seconds(60)));
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_FALSE(run->finished());
  run->Cancel();
  const auto outcome = run->WaitFor(seconds(10));  // no time passes on the clock
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status.code(), ErrorCode::kCancelled);
  EXPECT_EQ(outcome->duration, Duration::zero());
  run->Cancel();  // idempotent after the end
}

TEST(SimulatedExecutor, FailsMidwayOrAtOnce) {
  SimulatedExecutor executor(kSystemClock);
  SimulatedScript drop =
      SimulatedScript::Print({"Loading safetensors checkpoint shards:  10% Completed | 1/10"});
  drop.end = SimulatedScript::End::kError;
  drop.error = Status::Error(ErrorCode::kSshUnreachable, "the SSH connection to spark1 was lost");
  executor.On("logs", drop);
  executor.On("ps", SimulatedScript::Fail(Status::Error(ErrorCode::kSshAuthFailed, "refused")));
  const auto mid = RunCollecting(executor, Cmd("docker logs -f vllm_node"));
  EXPECT_EQ(mid.stdout_lines.size(), 1u);
  EXPECT_EQ(mid.outcome.status.code(), ErrorCode::kSshUnreachable);
  EXPECT_EQ(executor.Run(Cmd("docker ps")).status.code(), ErrorCode::kSshAuthFailed);
}

TEST(SimulatedExecutor, UnknownHostKeyUntilConfirmed) {
  SimulatedExecutor executor(kSystemClock);
  executor.SetHostKey("spark2", SimulatedExecutor::HostKeyState::kUnknown, "SHA256:abc");
  RemoteCommand cmd = Cmd("true");
  cmd.spark = "spark2";
  const auto first = executor.Run(cmd);
  EXPECT_EQ(first.status.code(), ErrorCode::kHostKeyUnknown);
  EXPECT_EQ(first.fingerprint, "SHA256:abc");
  EXPECT_TRUE(executor.Run(Cmd("true")).status.ok());  // spark1 unaffected
  EXPECT_EQ(executor.ConfirmHostKey("spark2", "SHA256:other", seconds(1)).code(),
            ErrorCode::kConflict);
  EXPECT_TRUE(executor.ConfirmHostKey("spark2", "SHA256:abc", seconds(1)).ok());
  EXPECT_TRUE(executor.Run(cmd).status.ok());
  executor.SetHostKey("spark2", SimulatedExecutor::HostKeyState::kChanged, "SHA256:new");
  EXPECT_EQ(executor.Run(cmd).status.code(), ErrorCode::kHostKeyMismatch);
}

TEST(SimulatedExecutor, DestructionEndsRunningCommands) {
  std::shared_ptr<RemoteRun> run;
  {
    SimulatedExecutor executor(kSystemClock);
    SimulatedScript hang;
    hang.end = SimulatedScript::End::kHang;
    executor.On("", hang);
    run = executor.Start(Cmd("x", seconds(60)));
  }
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->Wait().status.code(), ErrorCode::kCancelled);
  run->Cancel();  // the executor is gone; must not touch it
}

TEST(SimulatedCluster, SwapPlaysLikeSparkVllmDocker) {
  SimulatedExecutor executor(kSystemClock);
  std::mutex mu;
  std::vector<std::optional<std::string>> served;
  SimulatedCluster cluster;
  cluster.startup = milliseconds(300);
  cluster.on_served_model = [&](const std::optional<std::string>& model) {
    std::lock_guard lock(mu);
    served.push_back(model);
  };
  // The launch takes the version of the image it starts; the fake vLLM hears it when ready.
  std::string version;
  cluster.launch_version = [] { return std::string("0.11.2rc1.dev217"); };
  cluster.on_vllm_version = [&](const std::string& v) {
    std::lock_guard lock(mu);
    version = v;
  };
  AddSparkVllmDockerRules(executor, cluster);
  const CommandBuilder builder(RemoteSettings{});

  EXPECT_EQ(RunCollecting(executor, Cmd(builder.Reconcile().line)).stdout_lines,
            std::vector<std::string>{"vllm_node Up 2 hours"});
  const LaunchSpec gemma{"google/gemma-4-26B-A4B-it", std::nullopt, ModelMode::kSolo, {}};
  EXPECT_EQ(RunCollecting(executor, Cmd(builder.Launch(gemma)->line)).stdout_lines.back(),
            "Cluster containers are already running. Skipping launch.");

  EXPECT_TRUE(executor.Run(Cmd(builder.StopCluster().line)).status.ok());
  EXPECT_TRUE(RunCollecting(executor, Cmd(builder.Reconcile().line)).stdout_lines.empty());
  EXPECT_EQ(RunCollecting(executor, Cmd(builder.Launch(gemma)->line)).stdout_lines.back(),
            "Command dispatched in background (Daemon mode)");

  std::vector<std::string> log;
  std::atomic<bool> ready{false};
  auto follow = executor.Start(Cmd(builder.FollowLogs(seconds(30), seconds(30)).line, seconds(30),
                                   [&](RemoteStream, std::string_view line) {
                                     log.emplace_back(line);
                                     if (line == "INFO:     Application startup complete.")
                                       ready = true;
                                   }));
  for (int i = 0; i < 500 && !ready; ++i) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_FALSE(follow->finished());  // docker logs -f keeps following after start-up
  follow->Cancel();
  const auto outcome = follow->WaitFor(seconds(5));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(ready);
  EXPECT_EQ(outcome->status.code(), ErrorCode::kCancelled);
  EXPECT_NE(std::find_if(log.begin(), log.end(),
                         [](const std::string& l) {
                           return l.starts_with(
                               "Loading safetensors checkpoint shards:  40% Completed | 4/10");
                         }),
            log.end());
  EXPECT_NE(log[1].find("'model_tag': 'google/gemma-4-26B-A4B-it'"), std::string::npos) << log[1];
  EXPECT_TRUE(log[0].ends_with("vLLM API server version 0.11.2rc1.dev217")) << log[0];
  std::lock_guard lock(mu);
  EXPECT_EQ(version, "0.11.2rc1.dev217");
  EXPECT_EQ(served,
            (std::vector<std::optional<std::string>>{std::nullopt, "google/gemma-4-26B-A4B-it"}));
}

TEST(SimulatedCluster, LogsOfAStoppedClusterFail) {
  SimulatedExecutor executor(kSystemClock);
  SimulatedCluster cluster;
  cluster.initial_model.reset();
  AddSparkVllmDockerRules(executor, cluster);
  const CommandBuilder builder(RemoteSettings{});
  const auto out = RunCollecting(executor, Cmd(builder.FollowLogs(seconds(30), seconds(5)).line));
  EXPECT_EQ(out.outcome.exit_code, 1);
  EXPECT_EQ(out.stderr_lines,
            std::vector<std::string>{"Error response from daemon: No such container: vllm_node"});
  EXPECT_EQ(
      RunCollecting(executor, Cmd(builder.Container(ContainerAction::kRestart, "magpie")->line))
          .stdout_lines,
      std::vector<std::string>{"magpie"});
}

}  // namespace
}  // namespace spark
