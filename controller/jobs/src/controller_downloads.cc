// The controller's downloads: starting one (and a cache delete), and following a download's
// (or an update's) detached work again after a restart.
#include "controller/controller.h"
#include "controller/remote_names.h"
#include "exporter/log.h"
#include "job_context.h"

namespace spark {

// A job the journal left running has detached work on a Spark: follow it again.
void Controller::ResumeDetachedLocked(const std::shared_ptr<Record>& record) {
  // Only jobs with detached work get here (the journal ends the others `interrupted`).
  const JobInfo& job = record->info;
  auto procedure = job.kind == JobKind::kDownload && job.action.empty()
                       ? DownloadProcedure(job.request)
                   : job.kind == JobKind::kUpdate && job.action == "apply"
                       ? UpdateProcedure()
                       : Result<Procedure>(Status::Error(ErrorCode::kInterrupted, ""));
  if (!procedure.ok()) {
    record->info.state = JobState::kFailed;
    record->info.ended_at = deps_.clock.WallNow();
    record->info.error = JobError{std::string(ErrorCodeName(ErrorCode::kInterrupted)),
                                  "spark-control stopped while this job ran and cannot follow it "
                                  "again: " +
                                      procedure.status().message(),
                                  {},
                                  ""};
    Publish(*record);
    return;
  }
  Log(LogLevel::kInfo, "job " + record->info.id + ": following its remote work again");
  threads_.emplace(record->info.id,
                   std::thread([this, record, p = std::move(*procedure)] { RunJob(record, p); }));
}

Controller::~Controller() {
  std::map<std::string, std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& record : jobs_) {
      if (IsFinished(record->info.state)) continue;
      record->cancel = true;
      if (record->remote) record->remote->Cancel();
    }
    threads.swap(threads_);
  }
  for (auto& [id, thread] : threads) thread.join();
}

Result<Controller::Procedure> Controller::DownloadProcedure(const nlohmann::json& request) const {
  if (!request.is_object() || !request.value("hf_repo", nlohmann::json()).is_string()) {
    return Status::Error(ErrorCode::kInvalidField, "the job holds no download request", "request");
  }
  const ConfigPtr config = deps_.config();
  DownloadPlan plan;
  plan.repo = request["hf_repo"].get<std::string>();
  if (const auto revision = request.value("revision", nlohmann::json()); revision.is_string()) {
    plan.revision = revision.get<std::string>();
  }
  plan.cluster = request.value("mode", nlohmann::json()) == "cluster";
  plan.head = config->vllm.spark;
  const auto head = config->sparks.find(plan.head);
  if (head == config->sparks.end() || !head->second.host) {
    return Status::Error(ErrorCode::kNotConfigured,
                         plan.head + " has no host: configure the Sparks first");
  }
  if (plan.cluster) {
    for (const auto& [name, spark] : config->sparks) {
      if (name != plan.head && spark.host) plan.copy = CopyTarget{name, *spark.host, spark.user};
    }
    if (!plan.copy) {
      return Status::Error(ErrorCode::kNotConfigured,
                           "a download to both Sparks needs a second Spark with a host", "mode");
    }
  }
  return Procedure([plan](Context& ctx) { return RunDownload(ctx, plan); });
}

Result<JobInfo> Controller::Download(const std::string& hf_repo, bool cluster,
                                     const std::optional<std::string>& revision) {
  if (Status s = ValidateHfRepo(hf_repo); !s.ok()) return s;
  if (revision) {
    if (Status s = ValidateRevision(*revision); !s.ok()) return s;
  }
  nlohmann::json request = {{"hf_repo", hf_repo},
                            {"mode", cluster ? "cluster" : "solo"},
                            {"revision", revision ? nlohmann::json(*revision) : nullptr}};
  auto procedure = DownloadProcedure(request);
  if (!procedure.ok()) return procedure.status();
  const ConfigPtr config = deps_.config();
  request["spark"] = config->vllm.spark;
  request["copy_spark"] = nullptr;
  for (const auto& [name, spark] : config->sparks) {
    if (cluster && name != config->vllm.spark && spark.host) request["copy_spark"] = name;
  }
  std::lock_guard lock(mu_);
  if (BusyLocked(JobKind::kDownload, hf_repo)) {
    return Status::Error(ErrorCode::kJobRunning,
                         hf_repo + " is already downloading (or being deleted); follow that job");
  }
  if (Status s = UpdateRunningLocked(); !s.ok()) return s;
  return StartLocked(JobKind::kDownload, hf_repo, "", std::move(*procedure), std::move(request));
}

Result<JobInfo> Controller::DeleteCached(const std::string& spark, const std::string& hf_repo) {
  const ConfigPtr config = deps_.config();
  const auto it = config->sparks.find(spark);
  if (it == config->sparks.end()) {
    return Status::Error(ErrorCode::kNotFound, "no Spark \"" + spark + "\"", "spark");
  }
  if (!it->second.host) {
    return Status::Error(ErrorCode::kNotConfigured, spark + " has no host: configure it first");
  }
  if (Status s = ValidateHfRepo(hf_repo); !s.ok()) {
    return Status::Error(*s.code(), s.message(), "repo");
  }
  std::lock_guard lock(mu_);
  // Read under the lock that starts the job: no swap can change what is served in between.
  if (const auto served = deps_.served_model()) {
    const auto entry = deps_.catalog.FindServed(*served);
    if (*served == hf_repo || (entry && entry->model.hf_repo == hf_repo)) {
      return Status::Error(ErrorCode::kModelInUse,
                           "vLLM serves " + hf_repo + " now: swap to another model first");
    }
  }
  if (BusyLocked(JobKind::kDownload, hf_repo)) {
    return Status::Error(ErrorCode::kJobRunning,
                         hf_repo + " is downloading or being deleted; wait for that job");
  }
  return StartLocked(JobKind::kDownload, hf_repo, "delete",
                     [spark, hf_repo](Context& ctx) { return RunCacheDelete(ctx, spark, hf_repo); },
                     {{"hf_repo", hf_repo}, {"spark", spark}});
}

}  // namespace spark
