#include "controller/controller.h"

#include <algorithm>

#include "exporter/log.h"
#include "job_context.h"

namespace spark {
namespace {

constexpr size_t kHistory = 100;  // finished jobs kept in memory (jobs.jsonl keeps more)
constexpr size_t kLogTail = 50;

std::string InitialPhase(JobKind kind, const std::string& action) {
  switch (kind) {
    case JobKind::kSwap:
      return "reconciling";
    case JobKind::kDownload:
      return action == "delete" ? "deleting" : "downloading";
    case JobKind::kUpdate:
      return action == "rollback" ? "rolling_back" : "pulling";
    case JobKind::kService:
      break;
  }
  return "running";
}

}  // namespace

Controller::Controller(ControllerDeps deps, const std::filesystem::path& jobs_file)
    : deps_(std::move(deps)) {
  (void)journal_.Open(jobs_file, deps_.clock.WallNow());  // failures are in notes()
  next_id_ = journal_.last_id() + 1;
  for (const auto& job : journal_.history()) {
    auto record = std::make_shared<Record>();
    record->info = job;
    // Jobs recorded before jobs named their cluster ran on this one (jobs.jsonl is per cluster).
    if (record->info.cluster.empty()) record->info.cluster = deps_.config()->cluster;
    record->model = LaunchedModel(job);
    jobs_.push_back(std::move(record));
  }
  while (jobs_.size() > kHistory) jobs_.erase(jobs_.begin());
  std::lock_guard lock(mu_);
  for (const auto& record : jobs_) {
    if (!IsFinished(record->info.state)) ResumeDetachedLocked(record);
  }
}

Result<JobInfo> Controller::Swap(const std::string& model_id, JobTrigger trigger) {
  const auto entry = deps_.catalog.Find(model_id);
  if (!entry) {
    return Status::Error(ErrorCode::kUnknownModel, "no model \"" + model_id + "\" in the catalog",
                         "model");
  }
  std::lock_guard lock(mu_);
  return SwapLocked(*entry, trigger);
}

Result<JobInfo> Controller::SwapLocked(const CatalogEntry& entry, JobTrigger trigger) {
  if (BusyLocked(JobKind::kSwap, "")) {
    return Status::Error(ErrorCode::kSwapRunning,
                         "a swap is already running; wait for it or cancel it");
  }
  if (Status s = UpdateRunningLocked(); !s.ok()) return s;
  auto plan = PlanSwap(*deps_.config(), entry);
  if (!plan.ok()) return plan.status();
  auto started = StartLocked(
      JobKind::kSwap, entry.model.id, "",
      [plan = *plan](Context& ctx) { return RunSwap(ctx, plan); }, nullptr, trigger);
  if (started.ok()) jobs_.back()->model = entry.model.id;
  return started;
}

Result<JobInfo> Controller::ServiceAction(const std::string& service, const std::string& action,
                                          JobTrigger trigger) {
  const ConfigPtr config = deps_.config();
  if (service == "vllm") {
    if (action != "start" && action != "stop" && action != "restart") {
      return Status::Error(ErrorCode::kInvalidField, "vLLM's actions are start, stop and restart",
                           "action");
    }
    std::lock_guard lock(mu_);
    if (BusyLocked(JobKind::kSwap, "")) {
      return Status::Error(ErrorCode::kSwapRunning, "a swap is running; vLLM actions wait for it");
    }
    if (Status s = UpdateRunningLocked(); !s.ok()) return s;
    // Read under the lock that starts the job (a read that gates a mutation): no swap can end
    // between what is served and the restart of it. served_model reads the poller's snapshot.
    const auto served = deps_.served_model();
    const auto current = served ? deps_.catalog.FindServed(*served) : std::nullopt;
    if (action == "stop") {
      const std::string head = config->vllm.spark;
      return StartLocked(
          JobKind::kService, "vllm", action,
          [head](Context& ctx) { return RunClusterStop(ctx, head); }, nullptr, trigger);
    }
    // restart: the model served now; start: the last model served or launched.
    std::optional<CatalogEntry> model = current;
    if (!model || action == "start") {
      if (auto last = LastModelLocked()) model = deps_.catalog.Find(*last);
    }
    if (!model) {
      return Status::Error(ErrorCode::kConflict,
                           "vLLM serves no model of the catalog; start one with a swap");
    }
    return SwapLocked(*model, trigger);
  }

  const auto it = config->services.find(service);
  if (it == config->services.end()) {
    return Status::Error(ErrorCode::kUnknownService, "no service \"" + service + "\"", "service");
  }
  const ServiceConfig& svc = it->second;
  if (action != "start" && action != "stop" && action != "restart" &&
      action != "fix-cache-ownership") {
    return Status::Error(ErrorCode::kInvalidField,
                         "actions are start, stop, restart and fix-cache-ownership", "action");
  }
  if (action == "fix-cache-ownership" && !svc.cache_dir) {
    return Status::Error(ErrorCode::kNotConfigured,
                         "services." + service +
                             ".cache_dir is not set: configure the cache "
                             "directory to fix its ownership");
  }
  const auto spark = config->sparks.find(svc.spark);
  if (spark == config->sparks.end() || !spark->second.host) {
    return Status::Error(
        ErrorCode::kNotConfigured,
        svc.spark + " (where " + service + " runs) has no host: configure the Sparks first");
  }
  std::lock_guard lock(mu_);
  if (BusyLocked(JobKind::kService, service)) {
    return Status::Error(ErrorCode::kJobRunning, service + " already has a job running");
  }
  ServicePlan plan{service, svc.spark, action, svc.container, svc.cache_dir};
  return StartLocked(
      JobKind::kService, service, action,
      [plan](Context& ctx) { return RunServiceAction(ctx, plan); }, nullptr, trigger);
}

Status Controller::Cancel(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto& record : jobs_) {
    if (record->info.id != id) continue;
    if (IsFinished(record->info.state)) {
      return Status::Error(ErrorCode::kConflict, "job " + id + " has already " +
                                                     std::string(JobStateName(record->info.state)));
    }
    record->cancel = true;
    if (record->remote) record->remote->Cancel();
    record->log.Append(deps_.clock.WallNow(), LogStream::kSystem, "cancel requested");
    feed_.Bump();
    return Status::Ok();
  }
  return Status::Error(ErrorCode::kNotFound, "no job " + id);
}

std::optional<std::string> Controller::LastReadyModel() const {
  std::lock_guard lock(mu_);
  return LastModelLocked();
}

std::optional<std::string> Controller::CatalogModelServedAs(const std::string& served_name) const {
  const auto entry = deps_.catalog.FindServed(served_name);
  return entry ? std::optional<std::string>(entry->model.id) : std::nullopt;
}

std::vector<JobInfo> Controller::Jobs() const {
  std::lock_guard lock(mu_);
  std::vector<JobInfo> jobs;
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) jobs.push_back((*it)->info);
  return jobs;
}

std::vector<JobInfo> Controller::RunningJobs() const {
  auto jobs = Jobs();
  std::erase_if(jobs, [](const JobInfo& job) { return IsFinished(job.state); });
  return jobs;
}

std::optional<JobInfo> Controller::Job(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& record : jobs_) {
    if (record->info.id == id) return record->info;
  }
  return std::nullopt;
}

std::optional<JobLogRead> Controller::ReadLog(const std::string& id, uint64_t after) const {
  std::lock_guard lock(mu_);
  for (const auto& record : jobs_) {
    if (record->info.id == id) return JobLogRead{record->info, record->log.Since(after)};
  }
  return std::nullopt;
}

ControllerStats Controller::Stats() const {
  std::lock_guard lock(mu_);
  ControllerStats stats = stats_;
  for (const auto& record : jobs_) {
    const JobInfo& job = record->info;
    if (IsFinished(job.state)) continue;
    ++stats.running[job.kind];
    if (job.kind == JobKind::kDownload && job.action.empty()) {
      stats.downloading[job.target] = job.progress;
    }
  }
  return stats;
}

std::vector<std::string> Controller::notes() const {
  std::lock_guard lock(mu_);
  return journal_.notes();
}

bool Controller::BusyLocked(JobKind kind, const std::string& target) const {
  return std::any_of(jobs_.begin(), jobs_.end(), [&](const auto& record) {
    const JobInfo& job = record->info;
    if (IsFinished(job.state)) return false;
    // Every swap, and vLLM's own service actions, serialise with each other.
    if (kind == JobKind::kSwap) {
      return job.kind == JobKind::kSwap || (job.kind == JobKind::kService && job.target == "vllm");
    }
    return job.kind == kind && job.target == target;
  });
}

std::optional<std::string> Controller::LastModelLocked() const {
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    if ((*it)->model && (*it)->info.state == JobState::kSucceeded) return (*it)->model;
  }
  return std::nullopt;
}

Result<JobInfo> Controller::StartLocked(JobKind kind, std::string target, std::string action,
                                        Procedure procedure, nlohmann::json request,
                                        JobTrigger trigger) {
  if (stopping_) return Status::Error(ErrorCode::kOverloaded, "spark-control is shutting down");
  ReapLocked();
  auto record = std::make_shared<Record>();
  record->info.id = "j" + std::to_string(next_id_++);
  record->info.cluster = deps_.config()->cluster;
  record->info.kind = kind;
  record->info.state = JobState::kRunning;
  record->info.target = std::move(target);
  record->info.action = std::move(action);
  record->info.started_at = deps_.clock.WallNow();
  record->info.request = std::move(request);
  record->info.trigger = trigger;
  record->info.progress.phase = InitialPhase(kind, record->info.action);
  // Recorded before anything runs: a job the journal cannot hold would vanish on a restart
  // and its id could come again. Its id is not handed out again either way.
  if (Status s = journal_.Record(record->info); !s.ok()) {
    Log(LogLevel::kWarn, "jobs.jsonl: " + s.message());
    return Status::Error(ErrorCode::kStorageFailed,
                         "the job could not be recorded, so it was not started: " + s.message());
  }
  jobs_.push_back(record);
  feed_.Bump();
  threads_.emplace(record->info.id,
                   std::thread([this, record, procedure] { RunJob(record, procedure); }));
  return record->info;
}

void Controller::RunJob(const std::shared_ptr<Record>& record, const Procedure& procedure) {
  const std::optional<JobInfo> ended = EndJob(record, procedure);
  if (ended && deps_.on_finished) deps_.on_finished(*ended);
  std::lock_guard lock(mu_);
  finished_threads_.push_back(record->info.id);
}

std::optional<JobInfo> Controller::EndJob(const std::shared_ptr<Record>& record,
                                          const Procedure& procedure) {
  Context ctx(*this, record, deps_.config());
  Status result = Status::Error(ErrorCode::kEngineFailed, "the job stopped unexpectedly");
  try {
    result = procedure(ctx);
  } catch (const std::exception& e) {
    result = Status::Error(ErrorCode::kEngineFailed, std::string("internal error: ") + e.what());
  }
  std::lock_guard lock(mu_);
  JobInfo& info = record->info;
  if (stopping_ && info.remote && !result.ok()) {
    // Detached work goes on without us: the journal keeps the job running, and the next start
    // follows it again.
    Log(LogLevel::kInfo, "job " + info.id + " left running on " + info.remote->spark);
    return std::nullopt;
  }
  if (stopping_ && !result.ok()) {
    // Shutting down is not the user's cancel: the remote side may still be working.
    result = Status::Error(ErrorCode::kInterrupted,
                           "spark-control stopped while this job ran; check the cluster's state "
                           "before retrying");
  } else if (record->cancel && !result.ok()) {
    result = Status::Error(ErrorCode::kCancelled, "cancelled by the user");
  }
  info.state = result.ok()                              ? JobState::kSucceeded
               : result.code() == ErrorCode::kCancelled ? JobState::kCancelled
                                                        : JobState::kFailed;
  info.ended_at = deps_.clock.WallNow();
  if (!result.ok()) {
    record->log.Append(*info.ended_at, LogStream::kSystem, result.message());
    info.error = JobError{std::string(result.code_name()), result.message(),
                          record->log.Tail(kLogTail), record->fingerprint};
    info.error->hint = UpdateHintLocked(info);
  }
  if (info.kind == JobKind::kDownload && info.action.empty()) {
    ++stats_.downloads[std::string(JobStateName(info.state))];
  }
  if (info.kind == JobKind::kSwap) {
    ++stats_.swaps[std::string(JobStateName(info.state))];
    if (result.ok()) {
      stats_.swap_duration.Observe(
          std::chrono::duration<double>(*info.ended_at - info.started_at).count());
    }
  }
  Log(result.ok() ? LogLevel::kInfo : LogLevel::kWarn,
      "job " + info.id + " (" + std::string(JobKindName(info.kind)) + " " + info.target + ") " +
          std::string(JobStateName(info.state)) + (result.ok() ? "" : ": " + result.message()));
  Publish(*record);
  return info;
}

void Controller::ReapLocked() {
  for (const auto& id : finished_threads_) {
    const auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    it->second.join();  // it has returned from RunJob (or is returning: no lock left to take)
    threads_.erase(it);
  }
  finished_threads_.clear();
  size_t finished = 0;
  for (const auto& record : jobs_) finished += IsFinished(record->info.state) ? 1 : 0;
  for (auto it = jobs_.begin(); it != jobs_.end() && finished > kHistory;) {
    if (IsFinished((*it)->info.state)) {
      it = jobs_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
}

void Controller::Publish(Record& record) {
  if (Status s = journal_.Record(record.info); !s.ok()) {
    Log(LogLevel::kWarn, "jobs.jsonl: " + s.message());
  }
  feed_.Bump();
}

}  // namespace spark
