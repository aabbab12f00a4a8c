// The controller's updates of spark-vllm-docker (issue 15): starting an apply or a rollback,
// their conflicts with swaps, vLLM actions and downloads, and the rollback hint that a launch
// failing after an update carries.
#include "controller/controller.h"
#include "controller/update_commands.h"
#include "exporter/time_format.h"
#include "job_context.h"

namespace spark {
namespace {

using nlohmann::json;

// "2026-12-01 10:32 UTC".
std::string HintDate(WallTime t) {
  const std::string rfc = FormatRfc3339(t);  // 2026-12-01T10:32:00.000Z
  return rfc.substr(0, 10) + " " + rfc.substr(11, 5) + " UTC";
}

// The Spark build-and-copy.sh copies the image to: the other configured one, if any.
std::optional<std::pair<std::string, UpdateCopy>> CopySpark(const Config& config) {
  std::optional<std::pair<std::string, UpdateCopy>> copy;
  for (const auto& [name, spark] : config.sparks) {
    if (name != config.vllm.spark && spark.host)
      copy.emplace(name, UpdateCopy{*spark.host, spark.user});
  }
  return copy;
}

std::string HintMember(const json& hint, const char* key) {
  const auto it = hint.find(key);
  return it != hint.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<std::string> LaunchedModel(const JobInfo& job) {
  if (job.kind == JobKind::kSwap) return job.target;
  if (job.kind == JobKind::kUpdate && job.action == "rollback" && job.request.is_object()) {
    const auto model = job.request.find("model");
    if (model != job.request.end() && model->is_string()) return model->get<std::string>();
  }
  return std::nullopt;
}

Status Controller::UpdateRunningLocked() const {
  for (const auto& record : jobs_) {
    const JobInfo& job = record->info;
    if (job.kind == JobKind::kUpdate && !IsFinished(job.state)) {
      return Status::Error(ErrorCode::kJobRunning,
                           "an update of spark-vllm-docker is running (job " + job.id + ")");
    }
  }
  return Status::Ok();
}

Status Controller::UpdateBlockedLocked() const {
  if (BusyLocked(JobKind::kSwap, "")) {
    return Status::Error(ErrorCode::kSwapRunning,
                         "a swap (or a vLLM action) is running; the update waits for it");
  }
  for (const auto& record : jobs_) {
    const JobInfo& job = record->info;
    if (IsFinished(job.state)) continue;
    if (job.kind == JobKind::kUpdate) {
      return Status::Error(ErrorCode::kJobRunning,
                           "another update of spark-vllm-docker is running (job " + job.id + ")");
    }
    if (job.kind == JobKind::kDownload && job.action.empty()) {
      return Status::Error(
          ErrorCode::kJobRunning,
          "a download of " + job.target + " is running (job " + job.id + "); update after it");
    }
  }
  return Status::Ok();
}

Result<Controller::Procedure> Controller::UpdateProcedure() const {
  const ConfigPtr config = deps_.config();
  UpdatePlan plan;
  plan.head = config->vllm.spark;
  const auto head = config->sparks.find(plan.head);
  if (head == config->sparks.end() || !head->second.host) {
    return Status::Error(ErrorCode::kNotConfigured,
                         plan.head + " has no host: configure the Sparks first");
  }
  plan.sparks = ConfiguredSparks(*config);
  const auto copy = CopySpark(*config);
  auto script = UpdateCommands(config->remote.vllm_docker_dir)
                    .ApplyScript(copy ? std::optional(copy->second) : std::nullopt);
  if (!script.ok()) return script.status();
  plan.script = std::move(*script);
  return Procedure([plan](Context& ctx) { return RunUpdateApply(ctx, plan); });
}

Result<JobInfo> Controller::ApplyUpdate() {
  auto procedure = UpdateProcedure();
  if (!procedure.ok()) return procedure.status();
  const auto copy = CopySpark(*deps_.config());
  json request = {{"copy_spark", copy ? json(copy->first) : json(nullptr)},
                  {"previous", json::object()}};
  std::lock_guard lock(mu_);
  if (Status s = UpdateBlockedLocked(); !s.ok()) return s;
  return StartLocked(JobKind::kUpdate, kLaunchImage, "apply", std::move(*procedure),
                     std::move(request));
}

Result<JobInfo> Controller::Rollback() {
  const ConfigPtr config = deps_.config();
  RollbackPlan plan;
  plan.sparks = ConfiguredSparks(*config);
  if (plan.sparks.empty()) {
    return Status::Error(ErrorCode::kNotConfigured, "no Spark has a host: configure them first");
  }
  std::lock_guard lock(mu_);
  if (Status s = UpdateBlockedLocked(); !s.ok()) return s;
  // Read under the lock that starts the job (a read that gates a mutation): no swap can end
  // between what is served and its relaunch.
  const auto served = deps_.served_model();
  std::optional<CatalogEntry> model = served ? deps_.catalog.FindServed(*served) : std::nullopt;
  if (!model) {
    if (const auto last = LastModelLocked()) model = deps_.catalog.Find(*last);
  }
  if (model) {
    auto relaunch = PlanSwap(*config, *model);
    if (!relaunch.ok()) return relaunch.status();
    plan.relaunch = *relaunch;
    plan.relaunch->fixed_phase = "relaunching";
  }
  const json request = {{"model", model ? json(model->model.id) : json(nullptr)}};
  auto started = StartLocked(
      JobKind::kUpdate, kLaunchImage, "rollback",
      [plan](Context& ctx) { return RunRollback(ctx, plan); }, request);
  if (started.ok() && model) jobs_.back()->model = model->model.id;  // a launch of that model
  return started;
}

std::optional<json> Controller::UpdateHintLocked(const JobInfo& launch) const {
  if (launch.kind != JobKind::kSwap || !launch.error ||
      launch.error->code != ErrorCodeName(ErrorCode::kEngineFailed)) {
    return std::nullopt;
  }
  // The newest update that succeeded: an apply that ended before this launch began.
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    const JobInfo& job = (*it)->info;
    if (job.kind != JobKind::kUpdate || job.state != JobState::kSucceeded || !job.ended_at) {
      continue;
    }
    if (job.action != "apply") return std::nullopt;  // rolled back since
    if (*job.ended_at > launch.started_at) continue;
    return json{
        {"action", "rollback"},
        {"update_job", job.id},
        {"updated_at", FormatRfc3339(*job.ended_at)},
        {"text", "This started after the update of " + HintDate(*job.ended_at) + ": Roll back"}};
  }
  return std::nullopt;
}

std::optional<RollbackHint> Controller::RollbackHint() const {
  std::lock_guard lock(mu_);
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    const JobInfo& job = (*it)->info;
    if (!IsFinished(job.state)) continue;
    // An update (a rollback, or another apply) that succeeded after the launch ends the hint.
    if (job.kind == JobKind::kUpdate && job.state == JobState::kSucceeded) return std::nullopt;
    if (job.kind != JobKind::kSwap) continue;
    if (!job.error || !job.error->hint) return std::nullopt;  // the newest launch
    const json& hint = *job.error->hint;
    const auto updated_at = ParseRfc3339(HintMember(hint, "updated_at"));
    return ::spark::RollbackHint{job.id, HintMember(hint, "update_job"),
                                 updated_at.value_or(WallTime{}), HintMember(hint, "text")};
  }
  return std::nullopt;
}

}  // namespace spark
