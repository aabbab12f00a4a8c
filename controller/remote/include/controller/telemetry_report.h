#pragma once
// What TelemetryLine (telemetry_commands.h) prints, read back leniently where the Spark's tools
// vary and strictly where the protocol does not: a value that is `[N/A]`, `[Not Supported]`,
// `N/A`, missing, out of range or garbage is nullopt (GB10 reports no GPU memory), an unknown
// line is ignored, but a missing end line (a truncated output) is invalid_field, field
// "telemetry". Pure, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/status.h"

namespace spark {

inline constexpr size_t kMaxTelemetryGpus = 16;
inline constexpr size_t kMaxGpuNameBytes = 64;

struct GpuSample {
  int index = 0;                             // nvidia-smi's index, 0–255
  std::string name;                          // printable ASCII, ≤ kMaxGpuNameBytes ("" if absent)
  std::optional<double> utilization;         // 0–1 (utilization.gpu / 100)
  std::optional<double> temperature_c;       // -50–200
  std::optional<double> power_w;             // 0–10000
  std::optional<double> sm_clock_mhz;        // 0–100000
  std::optional<int64_t> memory_used_bytes;  // nullopt on GB10 ([N/A])
  std::optional<int64_t> memory_total_bytes;  // nullopt on GB10 ([N/A])
};

struct TelemetryReport {
  std::vector<GpuSample> gpus;           // in nvidia-smi's order, ≤ kMaxTelemetryGpus
  std::optional<std::string> gpu_error;  // `gpu - TEXT`: printable, ≤ 200 bytes
  std::optional<int64_t> mem_total_bytes;
  std::optional<int64_t> mem_available_bytes;
  std::optional<int64_t> disk_free_bytes;  // of the HF cache file system
  // PSI's avg10 as a ratio 0–1 (the kernel prints a percentage).
  std::optional<double> pressure_some_avg10;
  std::optional<double> pressure_full_avg10;
};

// A `gpu` line whose index is no number 0–255 is dropped; a garbage value of a kept line is
// nullopt. The last of repeated scalar lines counts; lines after the end line are ignored.
Result<TelemetryReport> ParseTelemetryReport(std::string_view out);

struct GpuMemory {
  int64_t bytes = 0;
  std::string source;  // "nvidia-smi" | "meminfo"
};

// The GB10 rule (SPARK-VLLM-DOCKER.md "GPUs (GB10)"): nvidia-smi's memory.used when it reports
// one; otherwise, on unified memory, MemTotal − MemAvailable (source "meminfo"); nullopt when
// neither is known.
std::optional<GpuMemory> GpuMemoryUsed(const TelemetryReport& report, const GpuSample& gpu);

}  // namespace spark
