#pragma once
// The demo's detached jobs (detached_commands.h): `: spark-control-detach dir=D;` starts a play
// picked by the marker of the script's body (a download, an update build — whoever registered
// that verb); `: spark-control-poll …;` reads its log as of now and `: spark-control-kill …;`
// stops its clock where it is. A body no play knows ends at once with status 0. Thread-safe;
// time comes from `clock`. Plays may lock state of their own inside Advance (lock order: these
// jobs first, then the play's world).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "demo/simulated_executor.h"

namespace spark {

// `: spark-control-VERB key=value …;` (or up to the end of the line) as the simulator reads it.
struct MarkerStatement {
  std::string verb;
  std::map<std::string, std::string> keys;
};
// The first marker in `line` whose verb is `verb` (any verb when empty).
std::optional<MarkerStatement> FindMarker(std::string_view line, std::string_view verb = {});

// A log line of a play, printed `at` after the start.
struct PlayedLine {
  Duration at{};
  std::string text;
};

// What one detached script does over time.
class DetachedPlay {
 public:
  virtual ~DetachedPlay() = default;
  virtual const std::vector<PlayedLine>& log() const = 0;
  // The script exits this long after its start (unless it stalls or is killed).
  virtual Duration length() const = 0;
  virtual int exit_code() const { return 0; }
  // No progress after this long, ever (the script then never exits).
  virtual std::optional<Duration> stalls_after() const { return std::nullopt; }
  // Brings the play's world to `at` after the start; `last` on the final call (it exited or was
  // killed): nothing changes after that.
  virtual void Advance(Duration /*at*/, bool /*last*/) {}
  // The bytes a poll with measure=1 reports (nullopt: the poll reports none).
  virtual std::optional<uint64_t> Measure() const { return std::nullopt; }
};

// Makes the play of a body whose marker has the registered verb; `command` is the detach line
// (its spark is where the play runs), `body` the body's marker statement.
using DetachedPlayFactory = std::function<std::unique_ptr<DetachedPlay>(
    const RemoteCommand& command, const MarkerStatement& body)>;

class SimulatedDetachedJobs {
 public:
  explicit SimulatedDetachedJobs(const Clock& clock) : clock_(clock) {}

  void AddPlay(std::string verb, DetachedPlayFactory factory);
  // The stdout of a detach, poll or kill line; nullopt for any other line.
  std::optional<std::vector<std::string>> Answer(const RemoteCommand& command);
  // Advances every running play to now (before reading what the plays change).
  void Settle();

 private:
  struct Job {
    int pid = 0;
    SteadyTime started{};
    std::unique_ptr<DetachedPlay> play;  // null: a body no play knows (it ends at once)
    std::optional<SteadyTime> killed;
    bool settled = false;  // the play's last Advance ran
  };
  Duration ElapsedLocked(const Job& job) const;
  bool FinishedLocked(const Job& job) const;
  void SettleLocked();
  std::vector<std::string> DetachLocked(const RemoteCommand& command, const std::string& dir);
  std::vector<std::string> PollLocked(const MarkerStatement& marker) const;

  const Clock& clock_;
  std::mutex mu_;                                         // guards everything below
  std::map<std::string, DetachedPlayFactory> factories_;  // by the body's verb
  std::map<std::string, Job> jobs_;                       // by job dir
  int next_pid_ = 48210;
};

// What a poll of a detached job's directory finds (`: spark-control-poll …;`).
struct PollState {
  bool alive = false;
  std::optional<int> status;      // the script's exit code, once written
  uint64_t size = 0;              // the log's size
  uint64_t next = 0;              // the end of this chunk
  std::optional<uint64_t> bytes;  // under the repo's blobs/ (polls with measure=1)
};
// The poll's stdout as the real command prints it: the state line, the chunk's lines (`\r`
// made `\n`), the carry (its unterminated end, "" after a newline) and the end line.
std::vector<std::string> PollReplyLines(const PollState& state, std::string chunk);

// Answers the detach, poll and kill lines from `jobs` after `latency` (the last rules added win).
void AddDetachedRules(SimulatedExecutor& executor, std::shared_ptr<SimulatedDetachedJobs> jobs,
                      Duration latency = std::chrono::milliseconds(40));

}  // namespace spark
