#pragma once
// Private to the controller: what a job's procedure sees while it runs on its own thread.
// Every method is thread-safe (it takes the controller's lock for the shared record).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/controller.h"
#include "controller/hf_commands.h"

namespace spark {

struct Controller::Record {
  JobInfo info;
  JobLog log;
  bool cancel = false;
  std::shared_ptr<RemoteRun> remote;  // the command that runs now, cancelled with the job
  std::string fingerprint;            // of a host-key failure, for the job's error
  std::optional<std::string> model;   // swaps: the catalog id launched
};

class Controller::Context {
 public:
  Context(Controller& owner, std::shared_ptr<Record> record, ConfigPtr config)
      : owner_(owner), record_(std::move(record)), config_(std::move(config)) {}

  const Config& config() const { return *config_; }
  const ControllerDeps& deps() const { return owner_.deps_; }
  const Clock& clock() const { return owner_.deps_.clock; }

  void Log(LogStream stream, std::string_view text);
  void System(std::string_view text) { Log(LogStream::kSystem, text); }
  // A new phase (recorded in jobs.jsonl) or a new percent within it (published only).
  void Phase(std::string_view phase, std::optional<double> percent = std::nullopt);
  bool cancelled() const;
  JobInfo info() const;  // the job as it is now
  // spark-control is shutting down (cancelled() is true too): detached work is left running.
  bool stopping() const;
  // Measured progress within the current phase (published, not journaled: a phase change is).
  void Measured(const JobProgress& progress);
  // Detached work started (journaled at once: a restart follows it from there).
  void SetRemote(RemoteWork work);
  std::optional<RemoteWork> remote() const;
  // The job's request (journaled: downloads keep the Hub's answer there for a restart).
  void SetRequest(nlohmann::json request);
  nlohmann::json request() const;
  void SetResult(nlohmann::json result);
  // The bytes other running downloads of this cluster still have to bring, by Spark (for the
  // disk check: what they will take is not free).
  std::map<std::string, uint64_t> BytesComingElsewhere() const;

  // Starts `command` with its lines going to the log (then to `command.on_line`; with
  // `log_lines` false only there: the callback logs what it keeps). It is cancelled with the
  // job; once the job is cancelled, only `cleanup` commands start.
  std::shared_ptr<RemoteRun> Start(RemoteCommand command, bool cleanup = false,
                                   bool log_lines = true);
  RemoteOutcome Run(RemoteCommand command, bool cleanup = false) {
    return Start(std::move(command), cleanup)->Wait();
  }
  // Runs `command` on `spark` as a step of the job, to its end, collecting its output lines
  // (into the job log too with `log_lines`). Cancelled with the job, like Start.
  CollectedOutput Collect(const std::string& spark, const RemoteCommandLine& command,
                          bool log_lines, bool cleanup = false) {
    return RunCollecting({spark, command.line, command.timeout, {}}, [&](RemoteCommand c) {
      return Start(std::move(c), cleanup, log_lines)->Wait();
    });
  }
  // The job's failure for a failed command: its status, remembering a host key's
  // fingerprint for the job's error; `what` says which step failed.
  Status Failure(const RemoteOutcome& outcome, std::string_view what);

 private:
  Controller& owner_;
  std::shared_ptr<Record> record_;
  ConfigPtr config_;
};

// The procedures (one file each). They return ok on success, `cancelled`, or the job error.
struct SwapPlan {
  CatalogEntry entry;
  std::string head;                   // the Spark that runs launch-cluster.sh (vllm.spark)
  std::optional<std::string> worker;  // the other Spark, when configured
  std::string base_url;               // "http://HOST:PORT" of vLLM
  Duration timeout{};                 // the model's swap timeout
  Duration silent{};                  // the log watchdog
  // Set for a relaunch inside another job (a rollback's `relaunching`): every phase change of
  // the swap keeps this name; the percent still moves.
  std::optional<std::string> fixed_phase = std::nullopt;
};
// The swap to `entry` under `config`: conflict when the config forbids its launch line,
// not_configured when the vLLM Spark has no host.
Result<SwapPlan> PlanSwap(const Config& config, const CatalogEntry& entry);
// `phase`, or the plan's fixed phase when it has one.
std::string_view SwapPhase(const SwapPlan& plan, std::string_view phase);
Status RunSwap(Controller::Context& ctx, const SwapPlan& plan);

struct ServicePlan {
  std::string service;
  std::string spark;
  std::string action;  // start|stop|restart|fix-cache-ownership
  std::string container;
  std::optional<std::string> cache_dir;
};
Status RunServiceAction(Controller::Context& ctx, const ServicePlan& plan);
// vLLM's stop: `launch-cluster.sh stop` on the head.
Status RunClusterStop(Controller::Context& ctx, const std::string& head);

struct DownloadPlan {
  std::string repo;
  std::optional<std::string> revision;  // null: main
  bool cluster = false;                 // then copied to `copy` after the download
  std::string head;                     // the Spark that downloads (vllm.spark)
  std::optional<CopyTarget> copy;
};
// POST /api/downloads; with the job's remote work already set (a restart), it follows that.
Status RunDownload(Controller::Context& ctx, const DownloadPlan& plan);

// DELETE /api/cache/{spark}: removes one repo from one Spark's HF cache.
Status RunCacheDelete(Controller::Context& ctx, const std::string& spark, const std::string& repo);

// The catalog id a job launched (swaps; a rollback that relaunched), for LastModelLocked.
std::optional<std::string> LaunchedModel(const JobInfo& job);

struct UpdatePlan {
  std::string head;                 // the Spark with the checkout (vllm.spark)
  std::vector<std::string> sparks;  // every configured Spark: its launch image is kept first
  std::string script;               // the detached body (UpdateCommands::ApplyScript)
};
// POST /api/update/apply: tags vllm-node:previous everywhere, then runs `git pull --ff-only`
// and build-and-copy.sh detached on the head; with the job's remote work already set (a
// restart), it follows that.
Status RunUpdateApply(Controller::Context& ctx, const UpdatePlan& plan);

struct RollbackPlan {
  std::vector<std::string> sparks;   // every configured Spark: vllm-node:previous goes back
  std::optional<SwapPlan> relaunch;  // the model to launch on the old image; nullopt: none
};
// POST /api/update/rollback: retags on every Spark, then relaunches inside the same job.
Status RunRollback(Controller::Context& ctx, const RollbackPlan& plan);

}  // namespace spark
