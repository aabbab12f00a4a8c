#pragma once
// What InspectContainer (recovery_commands.h) prints, read back strictly: every known line must
// be well formed, and the end line must be there (a truncated output is no answer). Unknown
// lines are ignored. Pure, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

struct ContainerReport {
  std::optional<int64_t> boot_epoch_s;  // nullopt: unknown
  bool missing = false;                 // no such container
  std::string status;  // created|running|paused|restarting|removing|exited|dead ("" if missing)
  int exit_code = 0;
  bool oom_killed = false;
  std::optional<WallTime> finished_at;  // nullopt for docker's 0001-01-01 zero time
  bool engine_dead = false;
};

// invalid_field (field "container") without the end line, without a container line, or for a
// garbage known line (an unknown status, a non-numeric exit code or boot time, an oom flag that
// is not true/false, a finished time docker would not print, an engine_dead that is not 0/1);
// remote_command_failed for `container error TEXT` (docker itself failed: "docker inspect
// failed: TEXT", printable ASCII, ≤ 200 bytes of it). Either way the state is unknown.
Result<ContainerReport> ParseContainerReport(std::string_view out);

}  // namespace spark
