#include "controller/recovery_loop.h"

#include <algorithm>

#include "controller/recovery_commands.h"
#include "controller/recovery_wanted.h"
#include "exporter/log.h"

namespace spark {
namespace {

constexpr const char* kSucceeded = "succeeded";
constexpr const char* kFailed = "failed";

bool StartsAJob(RecoveryStep step) {
  return step == RecoveryStep::kRelaunch || step == RecoveryStep::kDockerStart ||
         step == RecoveryStep::kDockerRestart;
}

const JobInfo* FindJob(const std::vector<JobInfo>& jobs, const std::string& id) {
  const auto it =
      std::find_if(jobs.begin(), jobs.end(), [&](const JobInfo& j) { return j.id == id; });
  return it == jobs.end() ? nullptr : &*it;
}

// "the relaunch of qwen36 (j14)", "the docker start of parakeet (j5)".
std::string JobDid(const JobInfo& job) {
  const std::string what = job.kind == JobKind::kSwap ? "relaunch" : "docker " + job.action;
  return "the " + what + " of " + job.target + " (" + job.id + ")";
}

// A recovery job's end as an event reason.
std::string EndReason(const std::string& id, const JobInfo* job) {
  if (job == nullptr) return "the recovery job " + id + " left the job history";
  if (job->state == JobState::kSucceeded) return JobDid(*job) + " succeeded";
  if (job->state == JobState::kCancelled) return JobDid(*job) + " was cancelled";
  return JobDid(*job) + " failed" + (job->error ? ": " + job->error->message : "");
}

}  // namespace

struct RecoveryLoop::RoundView {
  ConfigPtr config;
  std::vector<JobInfo> jobs;  // newest first
  std::optional<std::string> last_ready;
  std::optional<std::string> seen_serving;
  SnapshotPtr services;  // read after the jobs: a job that ended shows in it
};

struct RecoveryLoop::Outcome {
  uint64_t epoch = 0;
  RecoveryDecision decision;
  bool up = false;
  std::optional<RecoveryInspection> inspection;  // a new inspect
  std::optional<std::string> job;                // the recovery job started
  bool start_failed = false;                     // an attempt that could not start
  double window_s = 0;                           // recovery.window_s this round
};

std::vector<RecoveryLoop::Target> RecoveryLoop::TargetsOf(const Config& config) {
  std::vector<Target> targets = {{"vllm", config.remote.vllm_container, config.vllm.spark, true}};
  for (const auto& [name, service] : config.services) {
    targets.push_back({name, service.container, service.spark, false});
  }
  return targets;
}

RecoveryLoop::RecoveryLoop(RecoveryDeps deps)
    : deps_(std::move(deps)), runs_(deps_.executor), thread_([this] { Loop(); }) {}

RecoveryLoop::~RecoveryLoop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  runs_.Stop();
  thread_.join();
}

void RecoveryLoop::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void RecoveryLoop::JobFinished(const JobInfo&) { Wake(); }

uint64_t RecoveryLoop::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

void RecoveryLoop::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_ = false;
    lock.unlock();
    Round();
    lock.lock();
    deps_.clock.WaitUntil(lock, cv_, deps_.clock.Now() + deps_.tick,
                          [&] { return stop_ || wake_; });
  }
}

void RecoveryLoop::Round() {
  RoundView view;
  view.config = deps_.config();
  if (!view.config) return;
  view.jobs = deps_.controller.Jobs();
  view.last_ready = deps_.controller.LastReadyModel();
  view.services = deps_.services();
  // What a crash relaunches when no job decides (a vLLM launched by hand, or before
  // spark-control ran): the catalog model the probe last found vLLM serving.
  if (view.services) {
    const auto vllm = view.services->services.find("vllm");
    if (vllm != view.services->services.end() && vllm->second.last_model) {
      view.seen_serving = deps_.controller.CatalogModelServedAs(*vllm->second.last_model);
    }
  }
  const std::vector<Target> targets = TargetsOf(*view.config);
  for (const Target& target : targets) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    Evaluate(target, view);
  }
  std::lock_guard lock(mu_);
  std::erase_if(memory_, [&](const auto& entry) {
    return !entry.second.job && std::none_of(targets.begin(), targets.end(), [&](const Target& t) {
      return t.service == entry.first;
    });
  });
}

void RecoveryLoop::Evaluate(const Target& target, const RoundView& view) {
  std::vector<ConnectivityEvent> events;
  Memory memory;
  uint64_t before = 0;
  {
    std::lock_guard lock(mu_);
    before = version_;
    Memory& mine = memory_[target.service];
    Reconcile(target, view, mine, events);
    memory = mine;
  }
  RecoveryInput input = InputFor(target, view, memory);
  Outcome outcome;
  outcome.epoch = memory.epoch;
  outcome.window_s = input.config.window_s;
  outcome.up = input.up.value_or(false);
  outcome.decision = DecideRecovery(input);
  if (outcome.decision.step == RecoveryStep::kInspect) {
    input.inspection = Inspect(target);
    input.now = deps_.clock.WallNow();
    outcome.inspection = input.inspection;
    outcome.decision = DecideRecovery(input);
  }
  if (StartsAJob(outcome.decision.step)) {
    outcome.job = StartJob(target, outcome.decision);
    outcome.start_failed = !outcome.job && outcome.decision.action == kFailed;
  }
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    Commit(target, std::move(outcome), events);
    changed = version_ != before;
  }
  if (changed || !events.empty()) Publish(std::move(events));
}

RecoveryInput RecoveryLoop::InputFor(const Target& target, const RoundView& view,
                                     const Memory& memory) const {
  RecoveryInput in;
  in.service = target.service;
  in.container = target.container;
  in.spark = target.spark;
  in.vllm = target.vllm;
  in.config = view.config->recovery;
  in.wanted = target.vllm ? VllmWanted(view.jobs, view.last_ready, view.seen_serving)
                          : SpeechWanted(view.jobs, target.service);
  in.hold = RecoveryHold(view.jobs, target.service, memory.job);
  in.job = memory.job;
  in.inspection = memory.inspection;
  in.attempts = memory.attempts;
  in.tripped = memory.tripped;
  in.now = deps_.clock.WallNow();
  if (view.services) {
    const auto it = view.services->services.find(target.service);
    if (it != view.services->services.end()) {
      in.up = it->second.up;
      in.down_reason = it->second.reason;
      in.down_since = it->second.last_change.value_or(in.now);
    }
  }
  return in;
}

void RecoveryLoop::Reconcile(const Target& target, const RoundView& view, Memory& memory,
                             std::vector<ConnectivityEvent>& events) {
  if (memory.job) {
    const JobInfo* job = FindJob(view.jobs, *memory.job);
    if (job == nullptr || IsFinished(job->state)) {
      const bool ok = job != nullptr && job->state == JobState::kSucceeded;
      ++outcomes_[target.service][ok ? kSucceeded : kFailed];
      const std::string reason = EndReason(*memory.job, job);
      memory.job.reset();
      memory.status.state = ok ? RecoveryState::kIdle : RecoveryState::kWaiting;
      memory.status.job.reset();
      memory.status.next_at.reset();
      memory.status.last_reason = reason;
      memory.told = std::string(ok ? kSucceeded : kFailed) + "\n" + reason;
      events.push_back(Event(target.service, ok ? kSucceeded : kFailed, reason));
      ++version_;
    }
  }
  // A new start, stop or swap by a user: they took over.
  std::optional<std::string> newest = NewestUserJob(view.jobs, target.service);
  if (memory.seen && newest && newest != memory.user_job) {
    memory.attempts.clear();
    memory.tripped = false;
    memory.inspection.reset();
  }
  memory.user_job = std::move(newest);
  memory.seen = true;
}

RecoveryInspection RecoveryLoop::Inspect(const Target& target) {
  RecoveryInspection inspection{ContainerReport{}, deps_.clock.WallNow()};
  const Result<RemoteCommandLine> command = InspectContainer(target.container, target.vllm);
  if (!command.ok()) {
    inspection.report = command.status();
    return inspection;
  }
  const CollectedOutput out = runs_.Collect(target.spark, *command);
  runs_.Clear();
  inspection.report = out.outcome.status.ok() ? ParseContainerReport(out.StdoutText())
                                              : Result<ContainerReport>(out.outcome.status);
  return inspection;
}

std::optional<std::string> RecoveryLoop::StartJob(const Target& target,
                                                  RecoveryDecision& decision) {
  const Result<JobInfo> job =
      decision.step == RecoveryStep::kRelaunch
          ? deps_.controller.Swap(decision.model, JobTrigger::kRecovery)
          : deps_.controller.ServiceAction(
                target.service, decision.step == RecoveryStep::kDockerStart ? "start" : "restart",
                JobTrigger::kRecovery);
  if (job.ok()) return job->id;
  decision.step = RecoveryStep::kNothing;
  decision.next_at.reset();
  const auto code = job.status().code();
  if (code && HttpStatusOf(*code) == 409) {  // the controller refuses it now: held
    decision.state = RecoveryState::kIdle;
    decision.action = "held";
    decision.reason = "held: " + job.status().message();
    return std::nullopt;
  }
  decision.state = RecoveryState::kWaiting;
  decision.action = kFailed;
  decision.reason += "; it could not start: " + job.status().message();
  return std::nullopt;
}

void RecoveryLoop::Commit(const Target& target, Outcome outcome,
                          std::vector<ConnectivityEvent>& events) {
  Memory& memory = memory_[target.service];
  const WallTime now = deps_.clock.WallNow();
  if (outcome.job || outcome.start_failed) memory.attempts.push_back(now);
  std::erase_if(memory.attempts,
                [&](WallTime t) { return now - t >= FromSeconds(outcome.window_s); });
  if (outcome.start_failed) ++outcomes_[target.service][kFailed];
  if (outcome.job) memory.job = outcome.job;
  // A Resume since this evaluation began: its state stands (unless a job started meanwhile).
  if (memory.epoch != outcome.epoch && !outcome.job) return;
  if (outcome.inspection) memory.inspection = std::move(outcome.inspection);
  const RecoveryDecision& d = outcome.decision;
  if (d.state == RecoveryState::kTripped) memory.tripped = true;
  RecoveryStatus status;
  status.state = memory.job ? RecoveryState::kRecovering : d.state;
  status.attempts = AttemptsInWindow(memory.attempts, outcome.window_s, now);
  status.next_at = d.next_at;
  status.last_reason = d.reason.empty() ? memory.status.last_reason : d.reason;
  status.job = memory.job;
  const std::string told = d.action + "\n" + d.reason;
  if (!d.action.empty() && told != memory.told) {
    memory.told = told;
    events.push_back(Event(target.service, d.action, d.reason));
  }
  if (outcome.up && d.action.empty()) memory.told.clear();  // a later death is news again
  if (status != memory.status) {
    memory.status = std::move(status);
    ++version_;
  }
}

std::map<std::string, RecoveryStatus> RecoveryLoop::Snapshot() const {
  const ConfigPtr config = deps_.config();
  std::map<std::string, RecoveryStatus> out;
  if (!config) return out;
  std::lock_guard lock(mu_);
  for (const Target& target : TargetsOf(*config)) {
    const auto it = memory_.find(target.service);
    RecoveryStatus& status = out[target.service];
    if (it != memory_.end() && (it->second.seen || it->second.epoch > 0)) {
      status = it->second.status;
    } else if (!target.container.empty() && config->recovery.enabled) {
      status.state = RecoveryState::kIdle;  // not looked at yet
    }
  }
  return out;
}

RecoveryLoop::Counts RecoveryLoop::counts() const {
  const ConfigPtr config = deps_.config();
  Counts counts;
  std::lock_guard lock(mu_);
  counts.outcomes = outcomes_;
  if (!config) return counts;
  for (const Target& target : TargetsOf(*config)) {
    if (target.container.empty()) continue;
    for (const char* outcome : {kSucceeded, kFailed}) counts.outcomes[target.service][outcome];
  }
  return counts;
}

Status RecoveryLoop::Resume(const std::string& service) {
  const ConfigPtr config = deps_.config();
  const std::vector<Target> targets = config ? TargetsOf(*config) : std::vector<Target>{};
  const auto target = std::find_if(targets.begin(), targets.end(),
                                   [&](const Target& t) { return t.service == service; });
  if (target == targets.end()) {
    return Status::Error(ErrorCode::kNotFound, "no service \"" + service + "\"", "service");
  }
  const bool off = target->container.empty() || !config->recovery.enabled;
  const std::string reason = "resumed by the user: attempts cleared";
  {
    std::lock_guard lock(mu_);
    Memory& memory = memory_[service];
    memory.attempts.clear();
    memory.tripped = false;
    memory.inspection.reset();
    ++memory.epoch;
    memory.status.state = off          ? RecoveryState::kOff
                          : memory.job ? RecoveryState::kRecovering
                                       : RecoveryState::kIdle;
    memory.status.attempts = 0;
    memory.status.next_at.reset();
    memory.status.last_reason = reason;
    memory.told = std::string("resumed\n") + reason;
    wake_ = true;
    ++version_;
  }
  cv_.notify_all();
  Publish({Event(service, "resumed", reason)});
  return Status::Ok();
}

ConnectivityEvent RecoveryLoop::Event(const std::string& service, const std::string& action,
                                      const std::string& reason) const {
  ConnectivityEvent event;
  event.service = service;
  event.type = EventType::kRecovery;
  event.ok = action != kFailed && action != "tripped";
  event.source = "recovery";
  event.cluster = deps_.cluster;
  event.action = action;
  event.reason = reason;
  return event;
}

void RecoveryLoop::Publish(std::vector<ConnectivityEvent> events) {
  for (ConnectivityEvent& event : events) {
    const auto appended = deps_.events.Append(std::move(event));
    if (!appended.ok()) Log(LogLevel::kWarn, "recovery event: " + appended.status().message());
  }
  if (deps_.changes != nullptr) deps_.changes->Bump();
}

}  // namespace spark
