#pragma once
// A RemoteExecutor that runs nothing: scripted answers per command pattern, with delays,
// failures, hangs and drops on request, and a record of every command it was asked to run.
// Used by --demo (with the realistic spark-vllm-docker rules below) and by unit tests of
// whatever drives remote commands. Honours deadlines (`timeout`) and cancel like the real
// one. Thread-safe; each command plays on its own thread, which calls its line callback.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/remote_executor.h"

namespace spark {

class SimulatedContainers;  // simulated_containers.h

struct SimulatedLine {
  Duration delay{};  // after the previous line (or the start)
  RemoteStream stream = RemoteStream::kStdout;
  std::string text;
  std::function<void()> effect;  // optional: runs just before the line is printed
};

// What one command does.
struct SimulatedScript {
  enum class End {
    kExit,   // exits with `exit_code` after the lines
    kHang,   // prints the lines, then never ends (until cancel or its deadline)
    kError,  // prints the lines, then ends with `error` (e.g. ssh_unreachable: a dropped link)
  };
  std::vector<SimulatedLine> lines;
  End end = End::kExit;
  int exit_code = 0;
  Status error = Status::Ok();
  std::string fingerprint;  // with a host_key_* error

  // stdout lines `gap` apart, then exit.
  static SimulatedScript Print(std::vector<std::string> stdout_lines, Duration gap = {},
                               int exit_code = 0);
  // Ends at once with `error` (a transport error) and no output.
  static SimulatedScript Fail(Status error);
};

// A script computed from the command (its line, spark and timeout).
using ScriptFor = std::function<SimulatedScript(const RemoteCommand& command)>;

struct RecordedCommand {
  std::string spark;
  std::string line;
  Duration timeout{};
};

class SimulatedExecutor final : public RemoteExecutor {
 public:
  // Scripted delays and command deadlines run on `clock`; every scripted delay is multiplied
  // by `time_scale` (e.g. 0.01 for a quick demo-like run on the real clock), deadlines are not.
  explicit SimulatedExecutor(const Clock& clock, double time_scale = 1.0);
  // Cancels every running command and joins their threads.
  ~SimulatedExecutor() override;
  SimulatedExecutor(const SimulatedExecutor&) = delete;
  SimulatedExecutor& operator=(const SimulatedExecutor&) = delete;

  // A rule: commands whose line contains `pattern` play `script`. The rule added last wins;
  // an empty pattern matches everything; a command no rule matches exits 0 silently.
  void On(std::string pattern, SimulatedScript script);
  void On(std::string pattern, ScriptFor script);

  enum class HostKeyState { kKnown, kUnknown, kChanged };
  // How `spark`'s host key looks (default: known, fingerprint of the demo key). Unknown or
  // changed keys fail every command there with host_key_unknown / host_key_mismatch until
  // ConfirmHostKey gets `fingerprint`.
  void SetHostKey(const std::string& spark, HostKeyState state, std::string fingerprint);

  // Every command started so far, oldest first.
  std::vector<RecordedCommand> commands() const;

  std::shared_ptr<RemoteRun> Start(RemoteCommand command) override;
  Status ConfirmHostKey(const std::string& spark, const std::string& fingerprint,
                        Duration timeout) override;

  static constexpr const char* kDemoFingerprint = "SHA256:c3BhcmstY29udHJvbCBkZW1vIGhvc3Qga2V5AAA";

 private:
  struct HostKey {
    HostKeyState state = HostKeyState::kKnown;
    std::string fingerprint = kDemoFingerprint;
  };
  // Wakes sleeping players on cancel and shutdown; shared with the runs' cancel hooks, which
  // may outlive the executor.
  struct Signal {
    std::mutex mu;
    std::condition_variable_any cv;
    bool stopping = false;
  };
  struct Player {
    std::thread thread;
    std::shared_ptr<bool> done;  // guarded by mu_
  };

  void Play(const std::shared_ptr<RemoteRun>& run, const RemoteCommand& command,
            const SimulatedScript& script, SteadyTime started);
  // Waits until `until`, a cancel or the deadline; the outcome that ends the run, if any.
  std::optional<RemoteOutcome> Sleep(const RemoteRun& run, SteadyTime until, SteadyTime deadline,
                                     const RemoteCommand& command);
  void ReapFinishedLocked();

  const Clock& clock_;
  const double time_scale_;
  const std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
  mutable std::mutex mu_;  // guards everything below
  std::vector<std::pair<std::string, ScriptFor>> rules_;
  std::map<std::string, HostKey> host_keys_;
  std::vector<RecordedCommand> commands_;
  std::vector<Player> players_;
};

// What --demo runs against: docker ps, launch-cluster.sh stop / launch (with the real
// "already running, skipping launch" gotcha), docker logs -f printing vLLM's start-up with
// loading progress and ending in "Application startup complete." (then following quietly
// until cancelled), docker start/stop/restart and chown (updates: simulated_update.h). The
// cluster starts out serving `initial_model`.
struct SimulatedCluster {
  std::optional<std::string> initial_model = "RedHatAI/Qwen3.6-35B-A3B-NVFP4";
  Duration startup = std::chrono::seconds(8);  // first log line → startup complete (scaled)
  // Called (on a player thread) with the served model when start-up completes, and with
  // nullopt when the cluster stops, so the demo's fake vLLM can follow.
  std::function<void(const std::optional<std::string>& served_model)> on_served_model;
  // The vLLM version a launch starts (the head's launch image then); default 0.11.1. A launch
  // keeps it until the next launch; `on_vllm_version` gets it just before on_served_model.
  std::function<std::string()> launch_version;
  std::function<void(const std::string& version)> on_vllm_version;
  // When set, `vllm_node`'s life is recorded there (a launch runs it, a stop exits it 143) and
  // a crash recorded there stops the cluster (docker ps empty, the next launch starts afresh).
  std::shared_ptr<SimulatedContainers> containers;
};
void AddSparkVllmDockerRules(SimulatedExecutor& executor, SimulatedCluster cluster = {});

}  // namespace spark
