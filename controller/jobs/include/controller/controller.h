#pragma once
// The single owner of jobs (DESIGN.md "Data flow"): handlers submit swaps and service
// actions here and get the job at once; each job runs on a thread of its own against the
// RemoteExecutor, and every conflict check happens inside the controller under its lock
// ("a read that gates a mutation is a bug"). Job state changes go to jobs.jsonl before they
// are published. Thread-safe.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/catalog.h"
#include "controller/config_store.h"
#include "controller/job.h"
#include "controller/job_journal.h"
#include "controller/remote_executor.h"
#include "exporter/change_feed.h"
#include "exporter/histogram.h"
#include "exporter/http_client.h"

namespace spark {

struct ControllerDeps {
  RemoteExecutor& executor;
  Catalog& catalog;
  // This cluster's configuration now (a whole Config, as ClusterConfigs gives it).
  std::function<ConfigPtr()> config;
  const Clock& clock;
  HttpClientFactory http;  // the swap's /health and /v1/models checks
  // Probes `service` now and publishes the result (Poller::ProbeNow): a swap succeeds only
  // after the vLLM probe has seen the new model.
  std::function<void(const std::string& service)> probe_now;
  // The model id vLLM reports now (from the latest probe); nullopt when it is down. Called
  // under the controller's lock: it reads a snapshot and never calls back into the Controller.
  std::function<std::optional<std::string>()> served_model;
  Duration ready_check_interval = std::chrono::seconds(1);
  // How often a job polls its detached work on a Spark (its log, state and bytes on disk).
  Duration detached_poll_interval = std::chrono::seconds(1);
  // How long a detached job waits out a lost SSH link before it ends `interrupted`.
  Duration detached_link_grace = std::chrono::minutes(10);
  // Called (on the job's thread, without the controller's lock) after a job has ended.
  std::function<void(const JobInfo& job)> on_finished = {};
};

// Counters and gauges for /metrics, copied under the lock.
struct ControllerStats {
  std::map<std::string, uint64_t> swaps;      // succeeded, failed, cancelled
  std::map<std::string, uint64_t> downloads;  // succeeded, failed, cancelled (not cache deletes)
  HistogramData swap_duration{SwapDurationBuckets()};
  std::map<JobKind, int> running;
  // Running downloads (not cache deletes) by repo: their progress, for the per-repo gauges.
  std::map<std::string, JobProgress> downloading;
};

// The banner's "Roll back" after a launch that failed with engine_failed following an update.
struct RollbackHint {
  std::string job;         // the failed launch (a swap job)
  std::string update_job;  // the update/apply job it followed
  WallTime updated_at{};   // when that update ended
  std::string text;        // "This started after the update of 2026-12-01 10:32 UTC: Roll back"
};

// A job's log from a position, with the job as it is now.
struct JobLogRead {
  JobInfo job;
  std::vector<JobLogLine> lines;
};

class Controller {
 public:
  // Loads the job history from `jobs_file` (interrupted jobs become failed).
  Controller(ControllerDeps deps, const std::filesystem::path& jobs_file);
  // Cancels every running job and waits for them (a swap's clean-up included).
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Every job start below fails with storage_failed, before anything runs remotely, when
  // jobs.jsonl cannot record the job (disk full, read-only, unreadable history).
  // POST /api/swap. unknown_model; swap_running when a swap (or a vLLM action) runs;
  // not_configured when the vLLM Spark has no SSH host. `trigger` is recorded on the job
  // (recovery: the self-healing loop relaunches the model).
  Result<JobInfo> Swap(const std::string& model_id, JobTrigger trigger = JobTrigger::kUser);
  // POST /api/services/{name}/{action}: start|stop|restart, plus fix-cache-ownership for a
  // service with a cache_dir. vLLM: restart relaunches the current model (a swap job), start
  // the last model served, stop stops the cluster. unknown_service, invalid_field (action),
  // job_running when that service already has a job, swap_running for vLLM during a swap.
  // `trigger` is recorded on the job (a vLLM start/restart's swap job included).
  Result<JobInfo> ServiceAction(const std::string& service, const std::string& action,
                                JobTrigger trigger = JobTrigger::kUser);
  // POST /api/downloads: `hf_repo` and `revision` pass their allow-lists (invalid_field naming
  // them) before anything runs; job_running while the same repo downloads (or is deleted);
  // not_configured when the head (or, in cluster mode, the other Spark) has no host.
  Result<JobInfo> Download(const std::string& hf_repo, bool cluster,
                           const std::optional<std::string>& revision);
  // DELETE /api/cache/{spark}?repo=: not_found for an unknown Spark; invalid_field (repo);
  // model_in_use when vLLM serves that repo; job_running while it downloads or is deleted.
  Result<JobInfo> DeleteCached(const std::string& spark, const std::string& hf_repo);
  // POST /api/update/apply: an update job (target vllm-node, action apply) that keeps every
  // Spark's vllm-node as vllm-node:previous, then runs git pull --ff-only and build-and-copy.sh
  // detached on the head; the running container is not touched. swap_running while a swap or
  // a vLLM action runs, job_running while a download or another update runs; not_configured
  // when the head has no host.
  Result<JobInfo> ApplyUpdate();
  // POST /api/update/rollback (the route checks for a previous image first): retags
  // vllm-node:previous as vllm-node on every Spark, then relaunches the model served now (else
  // the one whose launch failed on the new build, else the last one served) inside the same
  // job. Conflicts as ApplyUpdate.
  Result<JobInfo> Rollback();
  // The newest launch's rollback hint, while that failed launch is the newest finished one
  // (no launch, rollback or update succeeded after it).
  std::optional<::spark::RollbackHint> RollbackHint() const;
  // DELETE /api/jobs/{id}: not_found; conflict when it has finished.
  Status Cancel(const std::string& id);

  // The catalog id of the model the newest succeeded swap (or rollback relaunch) made ready;
  // nullopt when no such job is in the history. What vLLM's `start` launches.
  std::optional<std::string> LastReadyModel() const;
  // The catalog id of the model whose served name (what vLLM's /v1/models lists) is
  // `served_name`; nullopt when the catalog holds none.
  std::optional<std::string> CatalogModelServedAs(const std::string& served_name) const;

  std::vector<JobInfo> Jobs() const;  // newest first
  std::vector<JobInfo> RunningJobs() const;
  std::optional<JobInfo> Job(const std::string& id) const;
  // Lines with seq > after; nullopt for an unknown job.
  std::optional<JobLogRead> ReadLog(const std::string& id, uint64_t after) const;
  ControllerStats Stats() const;
  std::vector<std::string> notes() const;

  // Bumped on every job change and log line: job log streams wait here.
  ChangeFeed& feed() { return feed_; }
  uint64_t version() const { return feed_.version(); }

  class Context;  // what a running job sees (job_context.h)

 private:
  struct Record;
  using Procedure = std::function<Status(Context&)>;

  Result<JobInfo> StartLocked(JobKind kind, std::string target, std::string action,
                              Procedure procedure, nlohmann::json request = nullptr,
                              JobTrigger trigger = JobTrigger::kUser);
  // A download's procedure from its request (also for one followed again after a restart).
  Result<Procedure> DownloadProcedure(const nlohmann::json& request) const;
  // An update's apply procedure from its request (also after a restart).
  Result<Procedure> UpdateProcedure() const;
  void ResumeDetachedLocked(const std::shared_ptr<Record>& record);
  // job_running naming the update that runs; ok when none does.
  Status UpdateRunningLocked() const;
  // Why an update cannot start now (swap_running / job_running); ok when it can.
  Status UpdateBlockedLocked() const;
  // The rollback hint for a launch ending now (engine_failed after a succeeded update).
  std::optional<nlohmann::json> UpdateHintLocked(const JobInfo& launch) const;
  Result<JobInfo> SwapLocked(const CatalogEntry& entry, JobTrigger trigger);
  void RunJob(const std::shared_ptr<Record>& record, const Procedure& procedure);
  // Runs the procedure and records its end; the job as it ended (nullopt: left running).
  std::optional<JobInfo> EndJob(const std::shared_ptr<Record>& record, const Procedure& procedure);
  void Publish(Record& record);  // journal + feed; mu_ held
  bool BusyLocked(JobKind kind, const std::string& target) const;
  void ReapLocked();
  std::optional<std::string> LastModelLocked() const;

  ControllerDeps deps_;
  ChangeFeed feed_;

  mutable std::mutex mu_;  // guards everything below
  JobJournal journal_;
  uint64_t next_id_ = 1;
  std::vector<std::shared_ptr<Record>> jobs_;  // oldest first, bounded history
  std::map<std::string, std::thread> threads_;
  std::vector<std::string> finished_threads_;
  ControllerStats stats_;
  bool stopping_ = false;
};

}  // namespace spark
