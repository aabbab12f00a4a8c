// The telemetry parser against outputs in the shape the telemetry line prints them
// (tests/testdata/telemetry/*.txt: a GB10 with [N/A] memory, a discrete GPU, two GPUs, missing
// and extra columns, garbage, no nvidia-smi, no PSI), truncation, and the GB10 memory rule.
#include "controller/telemetry_report.h"

#include <gtest/gtest.h>

#include "support/text_file.h"

namespace spark {
namespace {

std::string RecordedTelemetry(const std::string& name) {
  return test::ReadText(std::filesystem::path(SPARK_SOURCE_DIR) / "tests/testdata/telemetry" /
                        name);
}

TelemetryReport TelemetryOk(const std::string& out) {
  auto report = ParseTelemetryReport(out);
  EXPECT_TRUE(report.ok()) << report.status().message() << "\n" << out;
  return report.ok() ? *report : TelemetryReport{};
}

TEST(TelemetryReport, Gb10ReportsNoGpuMemorySoItComesFromMeminfo) {
  const TelemetryReport report = TelemetryOk(RecordedTelemetry("gb10.txt"));
  ASSERT_EQ(report.gpus.size(), 1u);
  const GpuSample& gpu = report.gpus[0];
  EXPECT_EQ(gpu.index, 0);
  EXPECT_EQ(gpu.name, "NVIDIA GB10");
  EXPECT_DOUBLE_EQ(*gpu.utilization, 0.87);
  EXPECT_DOUBLE_EQ(*gpu.temperature_c, 64);
  EXPECT_DOUBLE_EQ(*gpu.power_w, 38.45);
  EXPECT_DOUBLE_EQ(*gpu.sm_clock_mhz, 2418);
  EXPECT_FALSE(gpu.memory_used_bytes);
  EXPECT_FALSE(gpu.memory_total_bytes);
  EXPECT_FALSE(report.gpu_error);
  EXPECT_EQ(report.mem_total_bytes, int64_t{125538124} * 1024);
  EXPECT_EQ(report.mem_available_bytes, int64_t{41234560} * 1024);
  EXPECT_DOUBLE_EQ(*report.pressure_some_avg10, 0.0235);
  EXPECT_DOUBLE_EQ(*report.pressure_full_avg10, 0.0087);
  EXPECT_EQ(report.disk_free_bytes, int64_t{2843290624000});
  const auto memory = GpuMemoryUsed(report, gpu);
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->bytes, (int64_t{125538124} - 41234560) * 1024);
  EXPECT_EQ(memory->source, "meminfo");
}

TEST(TelemetryReport, ADiscreteGpuReportsItsOwnMemory) {
  const TelemetryReport report = TelemetryOk(RecordedTelemetry("discrete.txt"));
  ASSERT_EQ(report.gpus.size(), 1u);
  EXPECT_EQ(report.gpus[0].name, "NVIDIA RTX 6000 Ada Generation");
  EXPECT_EQ(report.gpus[0].memory_used_bytes, int64_t{20480} * 1024 * 1024);
  EXPECT_EQ(report.gpus[0].memory_total_bytes, int64_t{49140} * 1024 * 1024);
  const auto memory = GpuMemoryUsed(report, report.gpus[0]);
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->bytes, int64_t{20480} * 1024 * 1024);
  EXPECT_EQ(memory->source, "nvidia-smi");
  EXPECT_DOUBLE_EQ(*report.pressure_some_avg10, 0);
}

TEST(TelemetryReport, TwoGpusKeepTheirOrderAndIndexes) {
  const TelemetryReport report = TelemetryOk(RecordedTelemetry("two-gpus.txt"));
  ASSERT_EQ(report.gpus.size(), 2u);
  EXPECT_EQ(report.gpus[0].index, 0);
  EXPECT_EQ(report.gpus[1].index, 1);
  EXPECT_DOUBLE_EQ(*report.gpus[0].utilization, 1);
  EXPECT_DOUBLE_EQ(*report.gpus[1].utilization, 0);
  EXPECT_DOUBLE_EQ(*report.gpus[1].power_w, 61.02);
  EXPECT_EQ(report.gpus[1].memory_used_bytes, int64_t{4} * 1024 * 1024);
}

TEST(TelemetryReport, MissingColumnsAndNotSupportedValuesAreUnknownExtraColumnsIgnored) {
  const TelemetryReport report = TelemetryOk(RecordedTelemetry("missing-columns.txt"));
  ASSERT_EQ(report.gpus.size(), 2u);
  const GpuSample& short_row = report.gpus[0];
  EXPECT_DOUBLE_EQ(*short_row.utilization, 0.05);
  EXPECT_DOUBLE_EQ(*short_row.temperature_c, 41);
  EXPECT_FALSE(short_row.power_w);
  EXPECT_FALSE(short_row.sm_clock_mhz);
  EXPECT_FALSE(short_row.memory_used_bytes);
  const GpuSample& long_row = report.gpus[1];
  EXPECT_FALSE(long_row.utilization);
  EXPECT_FALSE(long_row.temperature_c);
  EXPECT_FALSE(long_row.power_w);
  EXPECT_DOUBLE_EQ(*long_row.sm_clock_mhz, 2418);
  EXPECT_EQ(long_row.memory_used_bytes, int64_t{100} * 1024 * 1024);
  EXPECT_EQ(long_row.memory_total_bytes, int64_t{200} * 1024 * 1024);
}

TEST(TelemetryReport, GarbageValuesAreUnknownAndGarbageRowsDropped) {
  const TelemetryReport report = TelemetryOk(RecordedTelemetry("garbage.txt"));
  ASSERT_EQ(report.gpus.size(), 1u);
  const GpuSample& gpu = report.gpus[0];
  EXPECT_EQ(gpu.name, "NVIDIA GB10");
  EXPECT_FALSE(gpu.utilization);
  EXPECT_FALSE(gpu.temperature_c);
  EXPECT_FALSE(gpu.power_w);
  EXPECT_FALSE(gpu.sm_clock_mhz);
  EXPECT_FALSE(gpu.memory_used_bytes);
  EXPECT_FALSE(gpu.memory_total_bytes);
  EXPECT_FALSE(report.mem_total_bytes);
  EXPECT_FALSE(report.mem_available_bytes);
  EXPECT_FALSE(report.pressure_some_avg10);
  EXPECT_FALSE(report.pressure_full_avg10);
  EXPECT_FALSE(report.disk_free_bytes);
  EXPECT_FALSE(GpuMemoryUsed(report, gpu));
}

TEST(TelemetryReport, WithoutNvidiaSmiTheErrorIsKeptAndMemoryStillRead) {
  const TelemetryReport report = TelemetryOk(RecordedTelemetry("no-nvidia-smi.txt"));
  EXPECT_TRUE(report.gpus.empty());
  EXPECT_EQ(report.gpu_error, "nvidia-smi is not installed");
  EXPECT_EQ(report.mem_available_bytes, int64_t{98765432} * 1024);
  EXPECT_EQ(TelemetryOk("gpu -\nspark-control-telemetry-end\n").gpu_error, "nvidia-smi failed");
}

TEST(TelemetryReport, WithoutPsiOrDfThoseAreUnknown) {
  const TelemetryReport report = TelemetryOk(RecordedTelemetry("no-psi.txt"));
  ASSERT_EQ(report.gpus.size(), 1u);
  EXPECT_FALSE(report.pressure_some_avg10);
  EXPECT_FALSE(report.pressure_full_avg10);
  EXPECT_FALSE(report.disk_free_bytes);
  EXPECT_TRUE(report.mem_total_bytes);
}

TEST(TelemetryReport, ATruncatedOutputIsAnError) {
  for (const std::string& out :
       {std::string(), RecordedTelemetry("gb10.txt").substr(0, 80), std::string("gpu -\n"),
        std::string("spark-control-telemetry-end-not\n")}) {
    const auto report = ParseTelemetryReport(out);
    ASSERT_FALSE(report.ok()) << out;
    EXPECT_EQ(report.status().code(), ErrorCode::kInvalidField);
    EXPECT_EQ(report.status().field(), "telemetry");
  }
  EXPECT_TRUE(ParseTelemetryReport("spark-control-telemetry-end\r\n").ok());
}

TEST(TelemetryReport, NamesAreBoundedAndPrintableAndGpusCapped) {
  std::string out = "gpu 0, " + std::string(100, 'N') +
                    ", 1\ngpu 1, a\x01\x7f"
                    "b, 2\n";
  for (int i = 2; i < 40; ++i) out += "gpu " + std::to_string(i) + ", x, 3\n";
  out += "spark-control-telemetry-end\nmem_total_kb 5\n";
  const TelemetryReport report = TelemetryOk(out);
  ASSERT_EQ(report.gpus.size(), kMaxTelemetryGpus);
  EXPECT_EQ(report.gpus[0].name, std::string(kMaxGpuNameBytes, 'N'));
  EXPECT_EQ(report.gpus[1].name, "a??b");
  EXPECT_FALSE(report.mem_total_bytes) << "lines after the end line are ignored";
}

TEST(TelemetryReport, MeminfoWithMoreAvailableThanTotalGivesNoMemory) {
  TelemetryReport report;
  report.mem_total_bytes = 10;
  report.mem_available_bytes = 11;
  EXPECT_FALSE(GpuMemoryUsed(report, GpuSample{}));
  report.mem_available_bytes = 4;
  EXPECT_EQ(GpuMemoryUsed(report, GpuSample{})->bytes, 6);
}

}  // namespace
}  // namespace spark
