#pragma once
// The per-Spark telemetry line (issue 17, SPARK-VLLM-DOCKER.md "GPUs (GB10)"): one marked bash
// line per round that prints the GPUs as nvidia-smi sees them, the unified memory from
// /proc/meminfo, the memory pressure from /proc/pressure/memory and the free space of the HF
// cache file system. What it prints is read by telemetry_report.h. Pure, thread-safe.

#include <string_view>

#include "controller/command_builder.h"

namespace spark {

// How long a telemetry round may take on the Spark (each section has 5 s of it).
inline constexpr Duration kTelemetryTimeout = std::chrono::seconds(15);

// `: spark-control-telemetry;` (timeout 15 s). Prints, each section bounded by `timeout 5` and
// tolerant of a missing tool or file:
//   gpu <csv>            one per GPU: nvidia-smi --query-gpu=index,name,utilization.gpu,
//                        temperature.gpu,power.draw,clocks.sm,memory.used,memory.total
//                        --format=csv,noheader,nounits (at most 16, printable characters only)
//   gpu - <text>         instead, when nvidia-smi is missing or fails (its first line)
//   mem_total_kb N|-     mem_available_kb N|-      (MemTotal, MemAvailable)
//   psi_some_avg10 X|-   psi_full_avg10 X|-        (`-` without PSI)
//   disk_free_bytes N|-  (df -B1 --output=avail of the HF cache dir; `-` when df fails)
//   spark-control-telemetry-end
// `hf_cache_dir` is remote.hf_home (a leading ~/ expands remotely): invalid_field (field "dir")
// when it fails ValidateRemoteDir.
Result<RemoteCommandLine> TelemetryLine(std::string_view hf_cache_dir);

}  // namespace spark
