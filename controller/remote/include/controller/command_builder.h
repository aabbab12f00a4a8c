#pragma once
// The only code that builds remote command lines (DESIGN.md "Remote commands"). Pure: it
// turns the remote settings and a model into the exact lines of SPARK-VLLM-DOCKER.md, every
// word quoted by ShellQuote, every command bounded remotely by `timeout -s KILL N`.
// Thread-safe (immutable after construction).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/config.h"
#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

// What the remote side looks like (config `remote` and `vllm.port`).
struct RemoteSettings {
  std::string vllm_docker_dir = "~/spark-vllm-docker";  // a leading ~/ expands remotely
  std::string vllm_container = "vllm_node";
  int vllm_port = 8888;
  bool allow_trust_remote_code = false;  // security.allow_trust_remote_code (operator file)

  static RemoteSettings FromConfig(const Config& config);
};

enum class ModelMode { kSolo, kCluster };

// The model to launch: catalog entry with overrides already applied to `args`.
struct LaunchSpec {
  std::string hf_repo;                     // checked by ValidateHfRepo
  std::optional<std::string> served_name;  // --served-model-name, when vLLM should not use the repo
  ModelMode mode = ModelMode::kSolo;       // cluster adds --tensor-parallel-size 2
  std::vector<std::string> args;           // checked by ParseVllmArgs
};

// A command line and the local deadline its executor enforces. The remote `timeout -s KILL`
// inside the line is kRemoteGraceSeconds longer, so the local deadline fires first and the
// remote bound only matters when the link is gone.
struct RemoteCommandLine {
  std::string line;
  Duration timeout;
};

enum class ContainerAction { kStart, kStop, kRestart };

class CommandBuilder {
 public:
  static constexpr int kRemoteGraceSeconds = 10;

  explicit CommandBuilder(RemoteSettings settings);

  // `docker ps --filter name=vllm_node --format '{{.Names}} {{.Status}}'` (run on each node).
  RemoteCommandLine Reconcile(Duration timeout = std::chrono::seconds(30)) const;
  // `cd DIR && ./launch-cluster.sh stop`.
  RemoteCommandLine StopCluster(Duration timeout = std::chrono::seconds(180)) const;
  // `cd DIR && ./launch-cluster.sh [--solo] -d exec vllm serve REPO --host 0.0.0.0 --port PORT
  // [--tensor-parallel-size 2] [--served-model-name NAME] ARGS…`. The script joins the words
  // after `exec` and runs them with `bash -i -c`, so each is quoted for that shell and again
  // for the SSH shell (ShellJoinForReparse). invalid_field when the repo, served name or args
  // fail their allow-lists, or carry --trust-remote-code that the settings do not allow
  // (field hf_repo / served_name / args[i]).
  Result<RemoteCommandLine> Launch(const LaunchSpec& spec,
                                   Duration timeout = std::chrono::seconds(300)) const;
  // The same launch line, byte for byte, without the `timeout -s KILL N` bound: what
  // GET /api/models shows as "command".
  Result<std::string> LaunchDisplay(const LaunchSpec& spec) const;
  // `docker logs -f --since Ns vllm_node`: the lines of the last `lookback` (whole seconds,
  // rounded up) as the Spark's own clock counts them — a relative --since is resolved by the
  // docker client on the Spark, so a Spark clock that is off by any amount cannot hide lines.
  // Runs until the container stops or it is cancelled; `timeout` bounds the whole follow.
  RemoteCommandLine FollowLogs(Duration lookback, Duration timeout) const;
  // `docker start|stop|restart CONTAINER`; invalid_field for a bad container name.
  Result<RemoteCommandLine> Container(ContainerAction action, std::string_view container,
                                      Duration timeout = std::chrono::seconds(120)) const;
  // `chown -R 1000:1000 DIR` (Magpie's cache fix). DIR must pass ValidateChownDir:
  // invalid_field (field cache_dir).
  Result<RemoteCommandLine> ChownCache(std::string_view dir,
                                       Duration timeout = std::chrono::seconds(600)) const;

  // The executor's session protocol. ReportSession prefixes a line so its first stdout line
  // is SessionMarker() + the remote session id (sshd starts every command in its own
  // session); KillSession(id) kills every process of that session (`pkill -KILL -s ID`),
  // which is how a cancelled or timed-out command is stopped remotely. invalid_field for
  // ids ≤ 1.
  static std::string ReportSession(std::string_view command_line);
  static std::string_view SessionMarker() { return "spark-control-session="; }
  static Result<RemoteCommandLine> KillSession(long session_id);

  // "timeout -s KILL N " for a command whose local deadline is `timeout` (N is
  // kRemoteGraceSeconds longer).
  static std::string TimeoutPrefix(Duration timeout);

 private:
  std::string Bounded(Duration timeout, const std::vector<std::string>& words) const;
  std::string CdCheckout() const;
  std::vector<std::string> LaunchScript() const;
  // `./launch-cluster.sh … exec WORDS…`, quoted, without the checkout and the bound.
  Result<std::string> LaunchLine(const LaunchSpec& spec) const;

  RemoteSettings settings_;
};

}  // namespace spark
