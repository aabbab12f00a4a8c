// The per-Spark telemetry output (ParseTelemetryReport) as the executor delivers it. A read
// report holds at most 16 GPUs with indexes 0–255 and printable names of at most 64 bytes, every
// value in its documented range, and the GB10 rule gives a memory that is not negative. An
// unread one is invalid_field naming `telemetry`.
#include <string>

#include "controller/telemetry_report.h"
#include "fuzz_lines.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

bool InRange(const std::optional<double>& value, double lo, double hi) {
  return !value || (*value >= lo && *value <= hi);
}

bool NotNegative(const std::optional<int64_t>& value) { return !value || *value >= 0; }

void CheckGpuSample(const TelemetryReport& report, const GpuSample& gpu) {
  Require(gpu.index >= 0 && gpu.index <= 255, "a GPU index is 0–255");
  Require(gpu.name.size() <= kMaxGpuNameBytes, "a GPU name is at most 64 bytes");
  for (const char c : gpu.name) Require(c >= 0x20 && c < 0x7f, "a GPU name is printable");
  Require(InRange(gpu.utilization, 0, 1), "utilization is a ratio");
  Require(InRange(gpu.temperature_c, -50, 200), "a temperature is plausible");
  Require(InRange(gpu.power_w, 0, 10000), "a power is plausible");
  Require(InRange(gpu.sm_clock_mhz, 0, 100000), "a clock is plausible");
  Require(NotNegative(gpu.memory_used_bytes) && NotNegative(gpu.memory_total_bytes),
          "GPU memory is not negative");
  const auto memory = GpuMemoryUsed(report, gpu);
  Require(!memory || (memory->bytes >= 0 &&
                      (memory->source == "nvidia-smi" || memory->source == "meminfo")),
          "the GB10 rule gives a memory that is not negative, from a named source");
}

void CheckTelemetryReport(const TelemetryReport& report) {
  Require(report.gpus.size() <= kMaxTelemetryGpus, "at most 16 GPUs");
  for (const GpuSample& gpu : report.gpus) CheckGpuSample(report, gpu);
  if (report.gpu_error) {
    Require(!report.gpu_error->empty() && report.gpu_error->size() <= 200,
            "a GPU error is short and says something");
    for (const char c : *report.gpu_error) Require(c >= 0x20 && c < 0x7f, "printable error");
  }
  Require(NotNegative(report.mem_total_bytes) && NotNegative(report.mem_available_bytes) &&
              NotNegative(report.disk_free_bytes),
          "sizes are not negative");
  Require(InRange(report.pressure_some_avg10, 0, 1) && InRange(report.pressure_full_avg10, 0, 1),
          "pressure is a ratio");
}

}  // namespace

void FuzzTelemetryReport(std::string_view input) {
  const std::string joined = RejoinedExecutorLines(input);
  for (const std::string_view out : {input, std::string_view(joined)}) {
    const auto report = ParseTelemetryReport(out);
    if (report.ok()) {
      CheckTelemetryReport(*report);
      continue;
    }
    Require(report.status().code() == ErrorCode::kInvalidField &&
                report.status().field() == "telemetry",
            "an unread telemetry output is invalid_field naming telemetry");
  }
}

}  // namespace spark::fuzz
