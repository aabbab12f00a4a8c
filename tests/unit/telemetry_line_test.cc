// The telemetry line (issue 17): its marker, bound and validated cache dir, and the line run
// for real under bash (as sshd runs it on a Spark) with a fake nvidia-smi that answers only the
// exact query of SPARK-VLLM-DOCKER.md and a fake df that answers only `-B1 --output=avail`.
// /proc is this machine's: for meminfo and PSI only the shapes are asserted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "controller/telemetry_commands.h"
#include "controller/telemetry_report.h"
#include "support/local_shell.h"
#include "support/process.h"
#include "support/text_file.h"

namespace spark {
namespace {

TEST(TelemetryLine, TheLineStartsWithItsMarkerAndIsBounded) {
  const auto line = TelemetryLine("~/.cache/huggingface");
  ASSERT_TRUE(line.ok()) << line.status().message();
  EXPECT_TRUE(line->line.starts_with(": spark-control-telemetry; timeout -s KILL 25 bash -c "))
      << line->line;
  EXPECT_EQ(line->timeout, std::chrono::seconds(15));
}

TEST(TelemetryLine, ACacheDirOutsideTheRulesIsRefused) {
  for (const char* dir : {"", "relative", "/a/../b", "~/x/./y", "/a\nb"}) {
    const auto line = TelemetryLine(dir);
    ASSERT_FALSE(line.ok()) << dir;
    EXPECT_EQ(line.status().code(), ErrorCode::kInvalidField);
    EXPECT_EQ(line.status().field(), "dir");
  }
}

constexpr const char* kFakeNvidiaSmi = R"sh(#!/bin/bash
q=index,name,utilization.gpu,temperature.gpu,power.draw,clocks.sm,memory.used,memory.total
want="--query-gpu=$q --format=csv,noheader,nounits"
[ "$*" = "$want" ] || { echo "bad: $*" >&2; exit 2; }
if [ -f "$HOME/smi_fails" ]; then
  echo 'Failed to initialize NVML: Driver/library version mismatch'; exit 18
fi
cat "$HOME/smi"
)sh";

constexpr const char* kFakeDf = R"sh(#!/bin/bash
[ "$1 $2 $3" = "-B1 --output=avail --" ] || { echo "bad: $*" >&2; exit 2; }
[ -d "$4" ] || { echo "df: $4: No such file or directory" >&2; exit 1; }
echo '           Avail'; echo ' 2843290624000'
)sh";

class TelemetryFakeTools : public testing::Test {
 protected:
  void SetUp() override {
    env_ = {{"HOME", home_.path()}, {"PATH", (home_ / "bin").string() + ":/usr/bin:/bin"}};
    std::filesystem::create_directories(home_ / ".cache/huggingface");
    std::filesystem::create_directories(home_ / "bin");
    for (const auto& [name, text] : {std::pair{"nvidia-smi", kFakeNvidiaSmi}, {"df", kFakeDf}}) {
      test::WriteExecutable(home_ / "bin" / name, text);
    }
  }
  std::string Run(const std::string& dir = "~/.cache/huggingface") {
    const auto line = TelemetryLine(dir);
    EXPECT_TRUE(line.ok()) << line.status().message();
    return line.ok() ? test::RunShellLine(env_, line->line) : std::string();
  }
  TelemetryReport Read(const std::string& out) {
    auto report = ParseTelemetryReport(out);
    EXPECT_TRUE(report.ok()) << report.status().message() << "\n" << out;
    return report.ok() ? *report : TelemetryReport{};
  }

  test::TempDir home_;
  std::map<std::string, std::string> env_;
};

TEST_F(TelemetryFakeTools, AGb10PrintsItsGpuRowMeminfoPressureAndDiskFree) {
  std::ofstream(home_ / "smi") << "0, NVIDIA GB10, 87, 64, 38.45, 2418, [N/A], [N/A]\n";
  const std::string out = Run();
  EXPECT_TRUE(out.starts_with("gpu 0, NVIDIA GB10, 87, 64, 38.45, 2418, [N/A], [N/A]\n")) << out;
  EXPECT_NE(out.find("\ndisk_free_bytes 2843290624000\n"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\nspark-control-telemetry-end\n")) << out;
  const TelemetryReport report = Read(out);
  ASSERT_EQ(report.gpus.size(), 1u);
  EXPECT_DOUBLE_EQ(*report.gpus[0].utilization, 0.87);
  ASSERT_TRUE(report.mem_total_bytes);
  ASSERT_TRUE(report.mem_available_bytes);
  EXPECT_GT(*report.mem_total_bytes, 0);
  EXPECT_LE(*report.mem_available_bytes, *report.mem_total_bytes);
  EXPECT_EQ(GpuMemoryUsed(report, report.gpus[0])->source, "meminfo");
  const bool psi = std::filesystem::exists("/proc/pressure/memory");
  EXPECT_EQ(report.pressure_some_avg10.has_value(), psi) << out;
  EXPECT_EQ(report.disk_free_bytes, int64_t{2843290624000});
}

TEST_F(TelemetryFakeTools, TwoGpusGiveTwoRowsAndBlankLinesNone) {
  std::ofstream(home_ / "smi") << "0, A, 1, 30, 50.00, 1400, 10, 80\n\n"
                                  "1, B, 2, 31, 51.00, 1410, 20, 80\n";
  const TelemetryReport report = Read(Run());
  ASSERT_EQ(report.gpus.size(), 2u);
  EXPECT_EQ(report.gpus[1].name, "B");
}

TEST_F(TelemetryFakeTools, AFailingNvidiaSmiIsNamedAndTheRestStillPrinted) {
  std::ofstream(home_ / "smi_fails") << "";
  const TelemetryReport report = Read(Run());
  EXPECT_TRUE(report.gpus.empty());
  EXPECT_EQ(report.gpu_error, "Failed to initialize NVML: Driver/library version mismatch");
  EXPECT_TRUE(report.mem_total_bytes);
}

TEST_F(TelemetryFakeTools, NoNvidiaSmiAndAMissingCacheDirAreDashes) {
  std::filesystem::remove(home_ / "bin/nvidia-smi");
  const std::string out = Run("~/no such dir");
  EXPECT_TRUE(out.starts_with("gpu - nvidia-smi is not installed\n")) << out;
  EXPECT_NE(out.find("\ndisk_free_bytes -\n"), std::string::npos) << out;
  const TelemetryReport report = Read(out);
  EXPECT_EQ(report.gpu_error, "nvidia-smi is not installed");
  EXPECT_FALSE(report.disk_free_bytes);
}

}  // namespace
}  // namespace spark
