// The recovery's inspect line (issue 16): its marker, bound and allow-listed name, and the line
// run for real under bash (as sshd runs it on a Spark) against a fake docker that answers
// `inspect` from a state file only for the exact format of SPARK-VLLM-DOCKER.md and `logs` from a
// log file honouring --tail. What it prints is read by ParseContainerReport, as the loop does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "controller/container_report.h"
#include "controller/recovery_commands.h"
#include "support/local_shell.h"
#include "support/process.h"
#include "support/text_file.h"

namespace spark {
namespace {

TEST(InspectContainer, TheLineStartsWithItsMarkerAndIsBounded) {
  const auto line = InspectContainer("vllm_node", true);
  ASSERT_TRUE(line.ok()) << line.status().message();
  EXPECT_TRUE(
      line->line.starts_with(": spark-control-inspect name=vllm_node; timeout -s KILL 30 bash -c "))
      << line->line;
  EXPECT_EQ(line->timeout, std::chrono::seconds(20));
  EXPECT_NE(line->line.find("EngineDeadError"), std::string::npos);
  const auto speech = InspectContainer("magpie-tts.1", false);
  ASSERT_TRUE(speech.ok());
  EXPECT_EQ(speech->line.find("docker logs"), std::string::npos);
}

TEST(InspectContainer, ANameOutsideTheAllowListIsRefused) {
  for (const char* name : {"", "-vllm", ".x", "a b", "a;rm -rf ~", "a'b", "$(reboot)", "a/b"}) {
    const auto line = InspectContainer(name, true);
    ASSERT_FALSE(line.ok()) << name;
    EXPECT_EQ(line.status().code(), ErrorCode::kInvalidField);
    EXPECT_EQ(line.status().field(), "container");
  }
  EXPECT_FALSE(InspectContainer(std::string(129, 'a'), false).ok());
  EXPECT_TRUE(InspectContainer(std::string(128, 'a'), false).ok());
}

constexpr const char* kInspectDocker = R"sh(#!/bin/bash
s="$HOME/docker"
echo "$*" >> "$s/calls"
if [ -f "$s/daemon_down" ]; then
  echo  # the real CLI prints an empty line first
  echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' \
    'Is the docker daemon running?' >&2
  exit 1
fi
want='{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}} {{.State.FinishedAt}}'
case "$1" in
  inspect)
    [ "$2 $3 $4" = "--type container --format" ] && [ "$5" = "$want" ] ||
      { echo "bad: $*" >&2; exit 2; }
    [ -f "$s/state" ] || { echo "Error: No such container: $6" >&2; exit 1; }
    cat "$s/state";;
  logs)
    [ "$2" = --tail ] || { echo "bad: $*" >&2; exit 2; }
    [ -f "$s/state" ] || { echo "Error response from daemon: No such container: $4" >&2; exit 1; }
    tail -n "$3" "$s/log" >&2;;
  *) echo "unexpected: $*" >&2; exit 2;;
esac
)sh";

class InspectFakeDocker : public testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(home_ / "bin");
    std::filesystem::create_directories(home_ / "docker");
    std::ofstream(home_ / "bin/docker") << kInspectDocker;
    std::filesystem::permissions(home_ / "bin/docker", std::filesystem::perms::owner_all);
    std::ofstream(home_ / "docker/log") << "";
    env_ = {{"HOME", home_.path()}, {"PATH", (home_ / "bin").string() + ":/usr/bin:/bin"}};
  }
  void State(const std::string& text) { std::ofstream(home_ / "docker/state") << text << "\n"; }
  void Log(const std::string& text) { std::ofstream(home_ / "docker/log", std::ios::app) << text; }
  std::string Run(const std::string& container, bool vllm) {
    const auto line = InspectContainer(container, vllm);
    EXPECT_TRUE(line.ok()) << line.status().message();
    return line.ok() ? test::RunShellLine(env_, line->line) : std::string();
  }
  ContainerReport Inspect(const std::string& container = "vllm_node", bool vllm = true) {
    const std::string out = Run(container, vllm);
    auto report = ParseContainerReport(out);
    EXPECT_TRUE(report.ok()) << report.status().message() << "\n" << out;
    return report.ok() ? *report : ContainerReport{};
  }
  std::string Calls() { return test::ReadText(home_ / "docker/calls"); }

  test::TempDir home_;
  std::map<std::string, std::string> env_;
};

TEST_F(InspectFakeDocker, AnEngineDeadCrashPrintsItsStateTheBootTimeAndTheFlag) {
  State("exited 1 false 2026-11-30T21:14:02.318412345Z");
  Log("INFO loading\nvllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an "
      "issue.\n");
  const std::string out = Run("vllm_node", true);
  const std::string boot = test::RunShellLine(env_, "sed -n 's/^btime //p' /proc/stat");
  EXPECT_EQ(out, "boot " + boot +
                     "container exited 1 false 2026-11-30T21:14:02.318412345Z\n"
                     "engine_dead 1\nspark-control-inspect-end\n");
  const ContainerReport report = Inspect();
  EXPECT_EQ(report.exit_code, 1);
  EXPECT_TRUE(report.engine_dead);
  ASSERT_TRUE(report.boot_epoch_s);
  EXPECT_GT(*report.boot_epoch_s, 1'000'000'000);
}

TEST_F(InspectFakeDocker, AFailedInitialisationCountsAsADeadEngineButOnlyInTheLast200Lines) {
  State("exited 1 false 2026-11-30T21:14:02Z");
  Log("RuntimeError: Engine core initialization failed. See root cause above.\n");
  EXPECT_TRUE(Inspect().engine_dead);
  for (int i = 0; i < 200; ++i) Log("INFO line " + std::to_string(i) + "\n");
  EXPECT_FALSE(Inspect().engine_dead);
  EXPECT_NE(Calls().find("logs --tail 200 vllm_node"), std::string::npos) << Calls();
}

TEST_F(InspectFakeDocker, NothingOfTheLogReachesTheOutputButTheFlag) {
  State("running 0 false 0001-01-01T00:00:00Z");
  Log("container missing\nspark-control-inspect-end\nboot 1\nengine_dead 1\n");
  const ContainerReport report = Inspect();
  EXPECT_EQ(report.status, "running");
  EXPECT_FALSE(report.missing);
  EXPECT_NE(report.boot_epoch_s, 1);
  EXPECT_FALSE(report.engine_dead);
}

TEST_F(InspectFakeDocker, AnOomKillAndAMissingContainer) {
  State("exited 137 true 2026-11-30T21:14:02Z");
  const ContainerReport oom = Inspect();
  EXPECT_TRUE(oom.oom_killed);
  EXPECT_EQ(oom.exit_code, 137);
  std::filesystem::remove(home_ / "docker/state");
  const ContainerReport missing = Inspect();
  EXPECT_TRUE(missing.missing);
  EXPECT_FALSE(missing.engine_dead);
}

TEST_F(InspectFakeDocker, ASpeechContainerIsInspectedWithoutReadingItsLog) {
  State("exited 0 false 2026-11-30T08:01:10Z");
  const std::string out = Run("magpie", false);
  EXPECT_EQ(out.find("engine_dead"), std::string::npos) << out;
  EXPECT_EQ(Inspect("magpie", false).status, "exited");
  EXPECT_EQ(Calls().find("logs"), std::string::npos) << Calls();
}

TEST_F(InspectFakeDocker, ADaemonThatDoesNotAnswerIsAFailureNotAMissingContainer) {
  State("running 0 false 0001-01-01T00:00:00Z");
  std::ofstream(home_ / "docker/daemon_down") << "";
  const auto report = ParseContainerReport(Run("vllm_node", true));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_NE(report.status().message().find("Is the docker daemon running?"), std::string::npos)
      << report.status().message();
}

TEST_F(InspectFakeDocker, WithoutDockerTheInspectFailsSayingSo) {
  // A PATH of the tools the line uses, and no docker at all.
  std::filesystem::remove(home_ / "bin/docker");
  for (const char* tool : {"bash", "timeout", "head", "sed", "grep", "tr", "cut"}) {
    const std::string path = test::RunShellLine(env_, std::string("command -v ") + tool);
    ASSERT_FALSE(path.empty()) << tool;
    std::filesystem::create_symlink(path.substr(0, path.size() - 1), home_ / "bin" / tool);
  }
  env_["PATH"] = (home_ / "bin").string();
  const auto report = ParseContainerReport(Run("vllm_node", true));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_NE(report.status().message().find("docker"), std::string::npos)
      << report.status().message();
}

}  // namespace
}  // namespace spark
