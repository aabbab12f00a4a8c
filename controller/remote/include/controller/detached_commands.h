#pragma once
// Command lines for detached remote work (a download, an update build): a script that keeps
// running on the Spark when the SSH link drops or spark-control restarts, in a directory of
// its own holding `script`, `pid`, `log` and `status` (the exit code, written last). Each line
// starts with a no-op marker `: spark-control-VERB key=value…;` naming what it is (the demo's
// simulator and the tests read it); every value in a marker is a safe word. Pure, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "controller/command_builder.h"

namespace spark {

class DetachedCommands {
 public:
  // The largest log chunk one poll returns.
  static constexpr uint64_t kChunkBytes = 64 * 1024;

  // The job directory on the Spark: ~/.cache/spark-control/jobs/CLUSTER/JOB. invalid_field
  // unless both are safe words ([A-Za-z0-9_-], 1–64 bytes).
  static Result<std::string> JobDir(std::string_view cluster, std::string_view job_id);

  // `: spark-control-detach dir=D;` — writes `body` to D/script wrapped so that it records its
  // pid first and its exit status last, starts it under `setsid -f nohup bash` with its output
  // in D/log, and prints `spark-control-detached pid=P`. The body runs in a subshell: `exit N`
  // in it ends the body with status N. Directories of finished jobs of the same cluster that
  // ended more than 7 days ago are removed first (their logs stay a week for a look).
  static RemoteCommandLine Start(std::string_view dir, std::string_view body);
  // `: spark-control-poll dir=D offset=N[ measure=1];` — the state line, the log bytes
  // [offset, offset + kChunkBytes) with \r turned into \n, the carry line and the end line
  // (design: ParseDetachedPoll). `measure_dir` (a ValidateRemoteDir path) adds its `du -sb`.
  static RemoteCommandLine Poll(std::string_view dir, uint64_t offset,
                                const std::optional<std::string>& measure_dir);
  // `: spark-control-kill dir=D;` — kills the script's whole session (every process it started).
  static RemoteCommandLine Kill(std::string_view dir);
};

// A bash command printing the bytes of the files under `dir` (a ValidateRemoteDir path; 0 when it
// does not exist), for $(…).
std::string DirBytes(std::string_view dir);

// `timeout -s KILL N bash -c 'SCRIPT'` after `marker`: a compound command bounded like the rest.
std::string MarkedBashLine(std::string_view marker, Duration timeout, std::string_view script);

}  // namespace spark
