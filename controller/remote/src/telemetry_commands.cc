#include "controller/telemetry_commands.h"

#include "controller/detached_commands.h"
#include "controller/remote_names.h"
#include "controller/shell_quote.h"

namespace spark {
namespace {

constexpr const char* kGpuQuery =
    "nvidia-smi --query-gpu=index,name,utilization.gpu,temperature.gpu,power.draw,clocks.sm,"
    "memory.used,memory.total --format=csv,noheader,nounits";

// `gpu CSV` per GPU, or `gpu - TEXT` (nvidia-smi's first non-blank line, printable, short).
std::string GpuSection() {
  return std::string(
             "if command -v nvidia-smi >/dev/null 2>&1; then\n"
             "  g=$(timeout 5 ") +
         kGpuQuery +
         " 2>&1 </dev/null); s=$?\n"
         "  if [ $s -eq 0 ]; then printf '%s\\n' \"$g\" | grep -v '^[[:space:]]*$' | "
         "head -n 16 | tr -cd '[:print:]\\n' | cut -c 1-400 | sed 's/^/gpu /'\n"
         "  else g=$(printf '%s\\n' \"$g\" | grep -m 1 -v '^[[:space:]]*$' | tr -cd '[:print:]' "
         "| cut -c 1-200); echo \"gpu - ${g:-nvidia-smi exited $s}\"; fi\n"
         "else echo 'gpu - nvidia-smi is not installed'; fi\n";
}

// `KEY N` from the /proc/meminfo line `NAME:   N kB`, or `KEY -`.
std::string MeminfoLine(std::string_view key, std::string_view name) {
  return "v=$(timeout 5 sed -n 's/^" + std::string(name) +
         ":[[:space:]]*\\([0-9][0-9]*\\) kB$/\\1/p' /proc/meminfo 2>/dev/null | head -n 1); "
         "echo \"" +
         std::string(key) + " ${v:--}\"\n";
}

// `KEY X` from the /proc/pressure/memory line `KIND avg10=X …`, or `KEY -`.
std::string PressureLine(std::string_view key, std::string_view kind) {
  return "v=$(timeout 5 sed -n 's/^" + std::string(kind) +
         " avg10=\\([0-9][0-9.]*\\) .*/\\1/p' /proc/pressure/memory 2>/dev/null | head -n 1); "
         "echo \"" +
         std::string(key) + " ${v:--}\"\n";
}

}  // namespace

Result<RemoteCommandLine> TelemetryLine(std::string_view hf_cache_dir) {
  if (Status s = ValidateRemoteDir(hf_cache_dir); !s.ok()) return s;
  const std::string script =
      "export LC_ALL=C\n" + GpuSection() + MeminfoLine("mem_total_kb", "MemTotal") +
      MeminfoLine("mem_available_kb", "MemAvailable") + PressureLine("psi_some_avg10", "some") +
      PressureLine("psi_full_avg10", "full") + "H=" + ShellQuotePath(hf_cache_dir) +
      "\nv=$(timeout 5 df -B1 --output=avail -- \"$H\" 2>/dev/null </dev/null | tail -n 1 | "
      "tr -d '[:space:]')\ncase $v in ''|*[!0-9]*) v=-;; esac\necho \"disk_free_bytes $v\"\n"
      "echo spark-control-telemetry-end\n";
  return RemoteCommandLine{MarkedBashLine("spark-control-telemetry", kTelemetryTimeout, script),
                           kTelemetryTimeout};
}

}  // namespace spark
