// The SSH executor runs commands: lines stream as they arrive, stdout and stderr without
// deadlock, deadlines and cancels kill the remote process, many channels share one session
// (a long follow never holds up a short command), and an idle session costs no CPU.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <thread>

#include "controller/command_builder.h"
#include "controller/shell_quote.h"
#include "ssh_executor_fixture.h"

namespace spark::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

TEST_F(SshExecutorTest, RunsACommandAndStreamsItsLinesAsTheyArrive) {
  auto executor = Trusted();
  Recorder rec;
  const auto outcome =
      executor->Run(Cmd("for i in 1 2 3 4 5; do echo out$i; done; echo err1 >&2; printf 'no "
                        "newline'; sleep 1; echo; echo late; exit 3",
                        seconds(20), rec.Callback()));
  EXPECT_EQ(outcome.status.code(), ErrorCode::kRemoteCommandFailed) << outcome.status.message();
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(
      rec.Of(RemoteStream::kStdout),
      (std::vector<std::string>{"out1", "out2", "out3", "out4", "out5", "no newline", "late"}));
  EXPECT_EQ(rec.Of(RemoteStream::kStderr), std::vector<std::string>{"err1"});
  std::lock_guard lock(rec.mu);
  EXPECT_LT(rec.times[4] + milliseconds(700), rec.times.back())
      << "out5 must arrive before the sleep ends";

  const auto ok = executor->Run(Cmd("echo $PATH | cut -d: -f1-9; command -v docker"));
  EXPECT_TRUE(ok.status.ok()) << ok.status.message();
  EXPECT_EQ(ok.exit_code, 0);
}

TEST_F(SshExecutorTest, AStderrFloodDoesNotDeadlock) {
  auto executor = Trusted();
  std::atomic<int> out_lines{0};
  std::atomic<int> err_lines{0};
  const auto start = SteadyClock::now();
  const auto outcome = executor->Run(
      Cmd("(head -c 4000000 /dev/zero | tr '\\0' o | fold -w 100; echo) & "
          "(head -c 8000000 /dev/zero | tr '\\0' e | fold -w 100; echo) >&2; wait; echo done",
          seconds(60), [&](RemoteStream stream, std::string_view) {
            (stream == RemoteStream::kStdout ? out_lines : err_lines)++;
          }));
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(out_lines.load(), 40001);  // 40000 lines of 100 "o" and "done"
  EXPECT_EQ(err_lines.load(), 80000);
  EXPECT_LT(SteadyClock::now() - start, seconds(30));
}

TEST_F(SshExecutorTest, TheDeadlineEndsTheCommandAndKillsTheRemoteProcess) {
  auto executor = Trusted();
  const auto pid_file = sshd_.scratch() / "pid";
  const auto start = SteadyClock::now();
  const auto outcome = executor->Run(
      Cmd("sleep 30 & echo $! > " + ShellQuote(pid_file.string()) + "; wait", seconds(2)));
  EXPECT_EQ(outcome.status.code(), ErrorCode::kTimeout) << outcome.status.message();
  EXPECT_LT(SteadyClock::now() - start, seconds(5));
  // A slow login shell may still be starting at the deadline: it is killed as soon as it
  // reports its session, so either the sleep never started or it must die. The kill itself
  // runs through another login shell, which takes seconds on a loaded machine (root's
  // .bashrc here runs pyenv init): the bound is generous, the sleep would run 30 s.
  std::string pid;
  Eventually([&] { return !(pid = ReadTrimmedText(pid_file)).empty(); }, seconds(10));
  if (!pid.empty()) {
    EXPECT_TRUE(Eventually([&] { return !ProcessAlive(pid); }, seconds(20)))
        << "remote sleep " << pid << " survived";
  }
  EXPECT_TRUE(executor->Run(Cmd("true")).status.ok());  // the session is still good
}

TEST_F(SshExecutorTest, CancelKillsTheRemoteProcess) {
  auto executor = Trusted();
  const auto pid_file = sshd_.scratch() / "pid";
  Recorder rec;
  auto run = executor->Start(
      Cmd("sleep 30 & echo $! > " + ShellQuote(pid_file.string()) + "; echo started; wait",
          seconds(60), rec.Callback()));
  ASSERT_TRUE(Eventually([&] { return rec.Saw("started"); }, seconds(10)));
  const auto start = SteadyClock::now();
  run->Cancel();
  const auto outcome = run->WaitFor(seconds(5));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status.code(), ErrorCode::kCancelled);
  EXPECT_LT(SteadyClock::now() - start, seconds(1));
  const std::string pid = ReadTrimmedText(pid_file);
  EXPECT_TRUE(Eventually([&] { return !ProcessAlive(pid); }, seconds(20)))
      << "remote sleep " << pid << " survived";
}

TEST_F(SshExecutorTest, CommandsStoppedOnAHungSessionNeverKeepTheirChannels) {
  SshSettings settings = Settings();
  settings.wind_down = seconds(1);
  auto executor = Trusted(settings);
  ASSERT_TRUE(executor->Run(Cmd("true")).status.ok());
  // The link hangs: the session's sshd answers nothing, so no command reports its session
  // or closes. More commands than channels end by their deadline or a cancel.
  ASSERT_GT(sshd_.PauseSessions(true), 0);
  std::vector<std::shared_ptr<RemoteRun>> runs;
  for (int i = 0; i < 10; ++i) runs.push_back(executor->Start(Cmd("echo lost", seconds(2))));
  runs.push_back(executor->Start(Cmd("echo cancelled", seconds(60))));
  runs.back()->Cancel();
  for (const auto& run : runs) {
    const auto outcome = run->WaitFor(seconds(10));
    ASSERT_TRUE(outcome.has_value());
    EXPECT_TRUE(outcome->status.code() == ErrorCode::kTimeout ||
                outcome->status.code() == ErrorCode::kCancelled)
        << outcome->status.code_name() << ": " << outcome->status.message();
  }
  // A new command still runs: the stopped ones' channels are given up with their session.
  const auto next = executor->Run(Cmd("echo next", seconds(20)));
  sshd_.PauseSessions(false);
  EXPECT_TRUE(next.status.ok()) << next.status.message();
}

TEST_F(SshExecutorTest, ALongLogFollowDoesNotHoldUpAShortCommand) {
  auto executor = Trusted();
  sshd_.SetFake("follow_s", "6");
  const CommandBuilder builder(RemoteSettings{sshd_.checkout().string(), "vllm_node", 8888});
  const auto launch =
      builder.Launch({"RedHatAI/Qwen3.6-35B-A3B-NVFP4", std::nullopt, ModelMode::kSolo, {}});
  Recorder launched;
  ASSERT_TRUE(executor->Run(Cmd(launch->line, launch->timeout, launched.Callback())).status.ok());
  EXPECT_TRUE(launched.Saw("Command dispatched in background (Daemon mode)"));

  Recorder log;
  const auto follow_cmd = builder.FollowLogs(seconds(30), seconds(30));
  auto follow = executor->Start(Cmd(follow_cmd.line, follow_cmd.timeout, log.Callback()));
  ASSERT_TRUE(
      Eventually([&] { return log.Saw("INFO:     Application startup complete."); }, seconds(10)));

  // The short command ends while the follow still has seconds to go: it was not queued behind it.
  const auto ps = RunCollecting(*executor, Cmd(builder.Reconcile().line, seconds(10)));
  EXPECT_FALSE(follow->finished()) << "the follow is still running";
  EXPECT_TRUE(ps.outcome.status.ok()) << ps.outcome.status.message();
  EXPECT_EQ(ps.stdout_lines, std::vector<std::string>{"vllm_node Up 5 minutes"});
  const auto followed = follow->WaitFor(seconds(20));
  ASSERT_TRUE(followed.has_value());
  EXPECT_TRUE(followed->status.ok()) << followed->status.message();
  const auto lines = log.Of(RemoteStream::kStdout);
  EXPECT_NE(
      std::find(
          lines.begin(), lines.end(),
          "Loading safetensors checkpoint shards:  40% Completed | 4/10 [00:12<00:18, 3.01s/it]"),
      lines.end());
}

TEST_F(SshExecutorTest, HostileLaunchValuesArriveIntactOverSsh) {
  auto executor = Trusted();
  const std::string canary = (sshd_.scratch() / "pwned").string();
  const std::string name =
      "x$(touch " + canary + ")'; touch " + canary + "; '`touch " + canary + "` ünï \\ \"";
  const CommandBuilder builder(RemoteSettings{sshd_.checkout().string(), "vllm_node", 8888});
  const auto launch =
      builder.Launch({"Qwen/Qwen3-0.6B", name, ModelMode::kCluster, {"--chat-template", name}});
  ASSERT_TRUE(launch.ok()) << launch.status().message();
  const auto outcome = executor->Run(Cmd(launch->line, launch->timeout));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  std::ifstream in(sshd_.state() / "launch_args", std::ios::binary);
  std::stringstream raw;
  raw << in.rdbuf();
  std::string expected;
  for (const std::string& word :
       {std::string("vllm"), std::string("serve"), std::string("Qwen/Qwen3-0.6B"),
        std::string("--host"), std::string("0.0.0.0"), std::string("--port"), std::string("8888"),
        std::string("--tensor-parallel-size"), std::string("2"), std::string("--served-model-name"),
        name, std::string("--chat-template"), name}) {
    expected += word;
    expected += '\0';
  }
  EXPECT_EQ(raw.str(), expected);
  EXPECT_FALSE(std::filesystem::exists(canary));
}

TEST_F(SshExecutorTest, ManyCommandsShareOneSession) {
  SshSettings settings = Settings();
  settings.max_channels = 4;
  auto executor = Trusted(settings);
  std::vector<std::shared_ptr<RemoteRun>> runs;
  std::vector<std::shared_ptr<Recorder>> recorders;
  // Bounds are generous: each command starts a login shell, slow on a loaded machine.
  for (int i = 0; i < 12; ++i) {
    recorders.push_back(std::make_shared<Recorder>());
    runs.push_back(executor->Start(
        Cmd("sleep 0.3; echo " + std::to_string(i), seconds(60), recorders.back()->Callback())));
  }
  for (int i = 0; i < 12; ++i) {
    const auto outcome = runs[static_cast<size_t>(i)]->WaitFor(seconds(60));
    ASSERT_TRUE(outcome.has_value());
    EXPECT_TRUE(outcome->status.ok()) << outcome->status.message();
    EXPECT_EQ(recorders[static_cast<size_t>(i)]->Of(RemoteStream::kStdout),
              std::vector<std::string>{std::to_string(i)});
  }
  const std::string log = sshd_.Log();
  size_t logins = 0;
  for (size_t at = log.find("Accepted publickey"); at != std::string::npos;
       at = log.find("Accepted publickey", at + 1)) {
    ++logins;
  }
  EXPECT_EQ(logins, 1u) << log;
}

TEST_F(SshExecutorTest, AnIdleSessionCostsNoCpu) {
  auto executor = Trusted();
  ASSERT_TRUE(executor->Run(Cmd("true")).status.ok());
  auto cpu = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1e6 +
           usage.ru_stime.tv_usec;
  };
  const double before = cpu();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_LT(cpu() - before, 30000.0) << "microseconds of CPU in 3 s idle";
  EXPECT_TRUE(executor->Run(Cmd("true")).status.ok());  // the kept session still works
}

}  // namespace
}  // namespace spark::test
