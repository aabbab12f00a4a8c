// What the swap reads from vLLM's start-up log, against text in the shape real vLLM prints
// (tests/testdata/vllm).
#include "controller/vllm_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace spark {
namespace {

using Kind = VllmLogSignal::Kind;

std::vector<std::string> Lines(const std::string& name) {
  std::ifstream in(std::string(SPARK_SOURCE_DIR) + "/tests/testdata/vllm/" + name);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  EXPECT_FALSE(lines.empty()) << name;
  return lines;
}

TEST(VllmLog, AStartUpShowsLoadingProgressThenReadyOnlyAtTheEnd) {
  std::vector<double> percents;
  std::vector<Kind> kinds;
  for (const auto& line : Lines("startup.log")) {
    const VllmLogSignal signal = ParseVllmLogLine(line);
    kinds.push_back(signal.kind);
    if (signal.kind == Kind::kLoading && signal.percent) percents.push_back(*signal.percent);
  }
  EXPECT_EQ(percents, (std::vector<double>{0, 40, 100}));
  EXPECT_EQ(kinds.back(), Kind::kReady);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::kReady), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::kGraphs), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::kFatal), 0);
}

TEST(VllmLog, AnEngineFailureIsFatal) {
  std::vector<Kind> kinds;
  for (const auto& line : Lines("engine-dead.log")) kinds.push_back(ParseVllmLogLine(line).kind);
  EXPECT_EQ(kinds[1], Kind::kTraceback);
  EXPECT_EQ(kinds[4], Kind::kFatal);  // EngineDeadError
  EXPECT_EQ(kinds[5], Kind::kFatal);  // Engine core initialization failed
}

TEST(VllmLog, OddProgressTextGivesNoPercent) {
  EXPECT_FALSE(ParseVllmLogLine("Loading safetensors checkpoint shards: ?% Completed").percent);
  EXPECT_FALSE(ParseVllmLogLine("Loading safetensors checkpoint shards: 140% Completed").percent);
  EXPECT_EQ(ParseVllmLogLine("Loading safetensors checkpoint shards: 7% Completed").percent, 7);
  EXPECT_EQ(ParseVllmLogLine("").kind, Kind::kNone);
  EXPECT_EQ(ParseVllmLogLine("Application startup").kind, Kind::kNone);
}

}  // namespace
}  // namespace spark
