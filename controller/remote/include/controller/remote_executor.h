#pragma once
// Runs command lines on a named Spark (DESIGN.md "Remote work per Spark"). Two
// implementations: SshExecutor (libssh2, one worker thread and one session per Spark, channels
// multiplexed) and SimulatedExecutor (--demo and unit tests). Commands come from
// CommandBuilder; the executor never builds command text of its own beyond its session
// protocol.
//
// Thread-safety: every method of RemoteExecutor and RemoteRun may be called from any thread.
// Line callbacks run on the executor's thread for that command: they must be quick and must
// not wait for another command of the same executor (RemoteRun::Cancel is fine).

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

enum class RemoteStream { kStdout, kStderr };

// Called once per output line, in the order the remote side wrote them per stream, without
// the line ending ("\n", "\r\n" or a lone "\r", so progress bars arrive as they update).
// A line longer than 16 KiB arrives in pieces.
using LineCallback = std::function<void(RemoteStream stream, std::string_view line)>;

struct RemoteCommand {
  std::string spark;     // config key: "spark1"
  std::string line;      // a complete command line from CommandBuilder
  Duration timeout{};    // local deadline, counted from Start; > 0
  LineCallback on_line;  // optional
};

// How a command ended. `status` is ok exactly when the command ran and exited 0; otherwise
// its code is one of the job error codes of API.md:
//   ssh_unreachable       no TCP/SSH connection (or it was lost while the command ran)
//   ssh_auth_failed       the Spark refused our key (message says why and what to do)
//   host_key_unknown      first contact: `fingerprint` is what the host presents
//   host_key_mismatch     the host key differs from known_hosts: `fingerprint` is the new one
//   remote_command_failed non-zero exit (`exit_code`), killed by a signal (`exit_signal`),
//                         or the server refused to run it
//   timeout               the local deadline passed; the remote process was killed
//   cancelled             RemoteRun::Cancel (or executor shutdown); the remote process was killed
// plus not_configured (the Spark has no host or user) and not_found (no such Spark).
struct RemoteOutcome {
  Status status = Status::Ok();
  std::optional<int> exit_code;  // when the remote command exited normally
  std::string exit_signal;       // "KILL", "TERM", … when it died of a signal
  std::string fingerprint;       // "SHA256:…" for host_key_unknown / host_key_mismatch
  Duration duration{};           // Start → end

  // An outcome that is only a status (the command never ran, or did not run to its end).
  static RemoteOutcome Failed(Status status, std::string fingerprint = {}) {
    RemoteOutcome outcome;
    outcome.status = std::move(status);
    outcome.fingerprint = std::move(fingerprint);
    return outcome;
  }
};

// One started command: a handle shared by the caller and the executor.
class RemoteRun {
 public:
  // `wake` is called (on the cancelling thread) after Cancel() so the executor notices.
  explicit RemoteRun(std::function<void()> wake = {});
  RemoteRun(const RemoteRun&) = delete;
  RemoteRun& operator=(const RemoteRun&) = delete;

  // Asks the executor to stop the command; it ends with `cancelled` (unless it had already
  // ended) and the remote process is killed. Idempotent, never blocks.
  void Cancel();
  // Blocks until the command has ended; every line callback has returned by then.
  RemoteOutcome Wait() const;
  // As Wait, but gives up after `max` (real time): nullopt if still running.
  std::optional<RemoteOutcome> WaitFor(Duration max) const;
  // As Wait, but gives up when `clock` reaches `deadline`: nullopt if still running.
  std::optional<RemoteOutcome> WaitUntil(const Clock& clock, SteadyTime deadline) const;
  bool finished() const;
  // Calls `hook` with the outcome once the command has ended (at once, on this thread, when
  // it already has; else on the executor's thread right after Wait() is released). One hook
  // per run; used to observe commands without a thread of one's own.
  void OnFinish(std::function<void(const RemoteOutcome&)> hook);

  // For executors: whether Cancel was called; Finish publishes the outcome (first call wins,
  // returns false for later calls).
  bool cancel_requested() const;
  bool Finish(RemoteOutcome outcome);

 private:
  std::function<void()> wake_;
  mutable std::mutex mu_;
  mutable std::condition_variable_any cv_;
  bool cancel_ = false;
  std::optional<RemoteOutcome> outcome_;
  std::function<void(const RemoteOutcome&)> on_finish_;
};

class RemoteExecutor {
 public:
  virtual ~RemoteExecutor() = default;

  // Starts `command` and returns at once; the outcome arrives through the handle. Commands
  // on one Spark run side by side (a long log follow never holds up a short command);
  // different Sparks are independent.
  virtual std::shared_ptr<RemoteRun> Start(RemoteCommand command) = 0;

  // POST /api/ssh/known-hosts/{spark}: when `fingerprint` ("SHA256:…") equals the host key
  // `spark` presents now, stores it in known_hosts (replacing an old key of that host) and
  // returns ok. conflict when the host presents another key (message names it);
  // ssh_unreachable, not_configured, not_found as for commands. Blocks up to `timeout`.
  virtual Status ConfirmHostKey(const std::string& spark, const std::string& fingerprint,
                                Duration timeout) = 0;

  // Start + Wait.
  RemoteOutcome Run(RemoteCommand command) { return Start(std::move(command))->Wait(); }
};

// A command's whole output, for short commands whose output is parsed (docker ps, git).
struct CollectedOutput {
  RemoteOutcome outcome;
  std::vector<std::string> stdout_lines;
  std::vector<std::string> stderr_lines;

  // The stdout lines as one text, each ending in '\n' (what the text parsers read).
  std::string StdoutText() const;
};
// Runs `command` to the end through `run` (which starts it and waits, e.g. a job's step),
// collecting its lines (and still calling its own on_line).
CollectedOutput RunCollecting(RemoteCommand command,
                              const std::function<RemoteOutcome(RemoteCommand)>& run);
// The same through `executor.Run`.
CollectedOutput RunCollecting(RemoteExecutor& executor, RemoteCommand command);

// Splits a byte stream into lines for LineCallback (the rules above). Not thread-safe.
class LineSplitter {
 public:
  static constexpr size_t kMaxLine = 16 * 1024;
  // Calls `emit` for each complete line in `bytes`.
  void Feed(std::string_view bytes, const std::function<void(std::string_view)>& emit);
  // Emits a last unterminated line, if any.
  void Flush(const std::function<void(std::string_view)>& emit);

 private:
  std::string partial_;
  bool after_cr_ = false;
};

}  // namespace spark
