// The inspect's parser against output in the shapes docker prints (tests/testdata/recovery/:
// `docker inspect --format` of SPARK-VLLM-DOCKER.md, /proc/stat's btime; the daemon-down file
// recorded by the line under bash with the docker 28.2 CLI and no daemon, boot time replaced),
// plus garbage, truncation and hostile text.
#include "controller/container_report.h"

#include <gtest/gtest.h>

#include "exporter/time_format.h"
#include "support/text_file.h"

namespace spark {
namespace {

std::string RecordedInspect(const std::string& name) {
  return test::ReadText(std::string(SPARK_SOURCE_DIR) + "/tests/testdata/recovery/" + name);
}

ContainerReport InspectedOk(const std::string& out) {
  auto report = ParseContainerReport(out);
  EXPECT_TRUE(report.ok()) << report.status().message() << "\n" << out;
  return report.ok() ? *report : ContainerReport{};
}

constexpr const char* kInspectEnd = "spark-control-inspect-end\n";

TEST(ContainerReport, AnEngineDeadCrashIsExitedOneWithTheFlag) {
  const ContainerReport report = InspectedOk(RecordedInspect("inspect-engine-dead.txt"));
  EXPECT_EQ(report.boot_epoch_s, 1764489600);
  EXPECT_FALSE(report.missing);
  EXPECT_EQ(report.status, "exited");
  EXPECT_EQ(report.exit_code, 1);
  EXPECT_FALSE(report.oom_killed);
  ASSERT_TRUE(report.finished_at);
  EXPECT_EQ(FormatRfc3339(*report.finished_at), "2026-11-30T21:14:02.318Z");
  EXPECT_TRUE(report.engine_dead);
}

TEST(ContainerReport, AnOomKillIsExited137WithOomKilled) {
  const ContainerReport report = InspectedOk(RecordedInspect("inspect-oom.txt"));
  EXPECT_EQ(report.exit_code, 137);
  EXPECT_TRUE(report.oom_killed);
  EXPECT_FALSE(report.engine_dead);
}

TEST(ContainerReport, ADockerStopIsExited143) {
  const ContainerReport report = InspectedOk(RecordedInspect("inspect-stopped.txt"));
  EXPECT_EQ(report.status, "exited");
  EXPECT_EQ(report.exit_code, 143);
  EXPECT_EQ(FormatRfc3339(*report.finished_at), "2026-11-30T22:00:00.500Z");
}

TEST(ContainerReport, AMissingContainerHasNoStatus) {
  const ContainerReport report = InspectedOk(RecordedInspect("inspect-missing.txt"));
  EXPECT_TRUE(report.missing);
  EXPECT_EQ(report.status, "");
  EXPECT_FALSE(report.finished_at);
  EXPECT_EQ(report.boot_epoch_s, 1764489600);
}

TEST(ContainerReport, ARunningContainerThatNeverFinishedHasNoFinishedTime) {
  const ContainerReport report = InspectedOk(RecordedInspect("inspect-running.txt"));
  EXPECT_EQ(report.status, "running");
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_FALSE(report.finished_at);  // docker's 0001-01-01 zero time
}

TEST(ContainerReport, ASpeechInspectHasNoEngineLineAndOffsetsAreUtc) {
  const ContainerReport report = InspectedOk(RecordedInspect("inspect-speech-exited.txt"));
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_FALSE(report.engine_dead);
  EXPECT_EQ(FormatRfc3339(*report.finished_at), "2026-11-30T07:01:10.000Z");
}

TEST(ContainerReport, AnUnknownBootTimeIsNothingAndEveryStateIsKnown) {
  for (const char* status :
       {"created", "running", "paused", "restarting", "removing", "exited", "dead"}) {
    const ContainerReport report = InspectedOk(std::string("boot -\ncontainer ") + status +
                                               " 0 false 0001-01-01T00:00:00Z\n" + kInspectEnd);
    EXPECT_FALSE(report.boot_epoch_s);
    EXPECT_EQ(report.status, status);
  }
  EXPECT_EQ(InspectedOk(std::string("container dead -1 false 0001-01-01T00:00:00Z\n") + kInspectEnd)
                .exit_code,
            -1);
}

TEST(ContainerReport, UnknownLinesAreIgnoredAndCrLfIsRead) {
  const ContainerReport report = InspectedOk(
      "motd: welcome to spark1\r\nboot 1764489600\r\ncontainer exited 2 false "
      "2026-11-30T10:00:00Z\r\nfuture_line 7\r\nspark-control-inspect-end\r\n");
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_EQ(report.boot_epoch_s, 1764489600);
}

TEST(ContainerReport, ALaterContainerLineReplacesAnEarlierOneWhole) {
  const ContainerReport report = InspectedOk(
      std::string("container exited 137 true 2026-11-30T10:00:00Z\ncontainer missing\n") +
      kInspectEnd);
  EXPECT_TRUE(report.missing);
  EXPECT_FALSE(report.oom_killed);
  EXPECT_FALSE(report.finished_at);
}

TEST(ContainerReport, ADaemonThatDoesNotAnswerIsARemoteFailureNamingIt) {
  const auto report = ParseContainerReport(RecordedInspect("inspect-daemon-down.txt"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_NE(report.status().message().find("Cannot connect to the Docker daemon"),
            std::string::npos)
      << report.status().message();
}

TEST(ContainerReport, AnErrorLineKeepsOnlyPrintableText) {
  const auto report =
      ParseContainerReport(std::string("container error bad\x1b[31mred\xff\n") + kInspectEnd);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().message(), "docker inspect failed: bad?[31mred?");
  const auto bare = ParseContainerReport(std::string("container error\n") + kInspectEnd);
  EXPECT_EQ(bare.status().message(), "docker inspect failed: no reason given");
}

TEST(ContainerReport, TruncatedOrContainerlessOutputIsNoAnswer) {
  for (const std::string& out :
       {std::string(),
        std::string("boot 1764489600\ncontainer running 0 false 0001-01-01T00:00:00Z\n"),
        std::string("boot 1764489600\n") + kInspectEnd,
        std::string("container running 0 false 0001-01-01T00:00:00Z\nspark-control-inspect-e")}) {
    const auto report = ParseContainerReport(out);
    ASSERT_FALSE(report.ok()) << out;
    EXPECT_EQ(report.status().code(), ErrorCode::kInvalidField);
    EXPECT_EQ(report.status().field(), "container");
  }
}

TEST(ContainerReport, GarbageKnownLinesAreRefused) {
  for (const char* line :
       {"boot soon", "boot -5", "boot 99999999999", "boot ",
        "container exploded 1 false 2026-11-30T10:00:00Z",
        "container exited one false 2026-11-30T10:00:00Z",
        "container exited 256 false 2026-11-30T10:00:00Z",
        "container exited -2 false 2026-11-30T10:00:00Z",
        "container exited 1 maybe 2026-11-30T10:00:00Z", "container exited 1 false yesterday",
        "container exited 1 false 2026-11-30T10:00:00Z extra", "container exited 1 false",
        "container", "container  ", "engine_dead 2", "engine_dead yes", "engine_dead "}) {
    const std::string out =
        std::string(line) + "\ncontainer running 0 false 0001-01-01T00:00:00Z\n" + kInspectEnd;
    const auto report = ParseContainerReport(out);
    ASSERT_FALSE(report.ok()) << line;
    EXPECT_EQ(report.status().code(), ErrorCode::kInvalidField) << line;
    EXPECT_EQ(report.status().field(), "container") << line;
  }
}

}  // namespace
}  // namespace spark
