#include "controller/recovery_commands.h"

#include "controller/detached_commands.h"
#include "controller/remote_names.h"
#include "controller/shell_quote.h"

namespace spark {
namespace {

// SPARK-VLLM-DOCKER.md "Container state after an exit".
constexpr const char* kStateFormat =
    "'{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}} {{.State.FinishedAt}}'";
// What vLLM's log says when its engine died (the container may still run).
constexpr const char* kEngineDead = "'EngineDeadError|Engine core initialization failed'";

// `container …` for the container in $n: its state, `missing` when docker knows no such
// container, else `error TEXT` (no docker, daemon down) with TEXT printable and short. Docker
// prints an empty line before its daemon error: the first line that is not blank counts.
std::string StateLine() {
  return std::string("r=$(timeout 10 docker inspect --type container --format ") + kStateFormat +
         " \"$n\" 2>&1 </dev/null); s=$?\n"
         "r=$(printf '%s\\n' \"$r\" | grep -m 1 -v '^[[:space:]]*$')\n"
         "if [ $s -eq 0 ]; then echo \"container $r\"\n"
         "elif printf '%s' \"$r\" | grep -q -i -E 'no such (container|object)'; then "
         "echo 'container missing'\n"
         "else r=$(printf '%s' \"$r\" | tr -cd '[:print:]' | cut -c 1-200)\n"
         "  echo \"container error ${r:-docker inspect exited $s}\"; fi\n";
}

}  // namespace

Result<RemoteCommandLine> InspectContainer(std::string_view container, bool vllm_markers) {
  if (Status s = ValidateContainerName(container); !s.ok()) return s;
  std::string script = "n=" + ShellQuote(container) +
                       "\nb=$(sed -n 's/^btime \\([0-9][0-9]*\\)$/\\1/p' /proc/stat 2>/dev/null "
                       "| head -n 1)\necho \"boot ${b:--}\"\n" +
                       StateLine();
  if (vllm_markers) {
    // Only the flag leaves the Spark: the log goes to grep alone.
    script +=
        std::string("if timeout 10 docker logs --tail 200 \"$n\" 2>&1 </dev/null | grep -q -E ") +
        kEngineDead + "; then echo 'engine_dead 1'; else echo 'engine_dead 0'; fi\n";
  }
  script += "echo spark-control-inspect-end\n";
  const std::string marker = "spark-control-inspect name=" + std::string(container);
  return RemoteCommandLine{MarkedBashLine(marker, kInspectTimeout, script), kInspectTimeout};
}

}  // namespace spark
