// RunCollecting (controller/remote_executor.h): the one place that collects a command's
// output lines, whether the command runs on an executor or as a job's step.
#include <gtest/gtest.h>

#include "controller/remote_executor.h"

namespace spark {
namespace {

using Lines = std::vector<std::string>;

// Stands in for an executor's or a job's Run: replays `lines` (stream, text) and ends with
// `outcome`.
auto Replaying(std::vector<std::pair<RemoteStream, std::string>> lines, RemoteOutcome outcome,
               std::string* ran) {
  return [lines = std::move(lines), outcome, ran](RemoteCommand command) {
    *ran = command.spark + ": " + command.line;
    for (const auto& [stream, text] : lines) {
      if (command.on_line) command.on_line(stream, text);
    }
    return outcome;
  };
}

TEST(RunCollecting, CollectsEachStreamInOrderThroughTheGivenRunner) {
  std::string ran;
  const CollectedOutput out =
      RunCollecting(RemoteCommand{"spark1", "docker ps", std::chrono::seconds(5), {}},
                    Replaying({{RemoteStream::kStdout, "a"},
                               {RemoteStream::kStderr, "warn"},
                               {RemoteStream::kStdout, "b"}},
                              RemoteOutcome{}, &ran));
  EXPECT_EQ(ran, "spark1: docker ps");
  EXPECT_TRUE(out.outcome.status.ok());
  EXPECT_EQ(out.stdout_lines, (Lines{"a", "b"}));
  EXPECT_EQ(out.stderr_lines, (Lines{"warn"}));
}

TEST(RunCollecting, KeepsTheOutcomeAndStillCallsTheCommandsOwnCallback) {
  Lines seen;
  RemoteCommand command{"spark2", "false", std::chrono::seconds(5),
                        [&seen](RemoteStream, std::string_view line) { seen.emplace_back(line); }};
  RemoteOutcome failed =
      RemoteOutcome::Failed(Status::Error(ErrorCode::kRemoteCommandFailed, "exit 1"));
  failed.exit_code = 1;
  std::string ran;
  const CollectedOutput out =
      RunCollecting(std::move(command), Replaying({{RemoteStream::kStderr, "boom"}}, failed, &ran));
  EXPECT_EQ(out.outcome.status.code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_EQ(out.outcome.exit_code, 1);
  EXPECT_EQ(out.stderr_lines, (Lines{"boom"}));
  EXPECT_TRUE(out.stdout_lines.empty());
  EXPECT_EQ(seen, (Lines{"boom"}));
}

}  // namespace
}  // namespace spark
