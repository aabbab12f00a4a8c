#include "controller/recovery_wanted.h"

namespace spark {
namespace {

// Whether `job` decides what vLLM wants: a swap, a vLLM service job, an update rollback.
bool DecidesVllm(const JobInfo& job) {
  return job.kind == JobKind::kSwap || (job.kind == JobKind::kService && job.target == "vllm") ||
         (job.kind == JobKind::kUpdate && job.action == "rollback");
}

// Whether `job` decides what the speech service `service` wants: its start, restart or stop.
bool DecidesSpeech(const JobInfo& job, const std::string& service) {
  return job.kind == JobKind::kService && job.target == service &&
         (job.action == "start" || job.action == "restart" || job.action == "stop");
}

bool Decides(const JobInfo& job, const std::string& service) {
  return service == "vllm" ? DecidesVllm(job) : DecidesSpeech(job, service);
}

RecoveryWanted Nothing(std::string reason) {
  return {RecoveryWanted::Kind::kNothing, "", std::move(reason)};
}

// "swap j12", "rollback j3", "vllm stop j4".
std::string Named(const JobInfo& job) {
  if (job.kind == JobKind::kSwap) return "swap " + job.id;
  if (job.kind == JobKind::kUpdate) return job.action + " " + job.id;
  return job.target + " " + job.action + " " + job.id;
}

}  // namespace

RecoveryWanted VllmWanted(const std::vector<JobInfo>& jobs,
                          const std::optional<std::string>& last_ready,
                          const std::optional<std::string>& seen_serving) {
  constexpr const char* kWaitForUser = "; waiting for a start or a swap";
  for (const JobInfo& job : jobs) {
    if (!DecidesVllm(job) || !IsFinished(job.state)) continue;
    if (job.kind == JobKind::kService && job.action == "stop") {
      return {RecoveryWanted::Kind::kStopped, "",
              "vllm was stopped by the user (" + job.id + "): not relaunching it"};
    }
    if (job.state == JobState::kSucceeded) {
      if (!last_ready) return Nothing(std::string("no swap has made a model ready") + kWaitForUser);
      return {RecoveryWanted::Kind::kRunning, *last_ready, ""};
    }
    const bool cancelled = job.state == JobState::kCancelled;
    if (job.trigger == JobTrigger::kRecovery) {
      if (!cancelled) continue;  // the next attempt, or the breaker
      return Nothing("the recovery " + Named(job) + " was cancelled" + kWaitForUser);
    }
    return Nothing("the last " + Named(job) + (cancelled ? " was cancelled" : " failed") +
                   kWaitForUser);
  }
  if (seen_serving) return {RecoveryWanted::Kind::kRunning, *seen_serving, ""};
  return Nothing(std::string("no swap has made a model ready") + kWaitForUser);
}

RecoveryWanted SpeechWanted(const std::vector<JobInfo>& jobs, const std::string& service) {
  for (const JobInfo& job : jobs) {
    if (!DecidesSpeech(job, service) || !IsFinished(job.state)) continue;
    if (job.action != "stop") break;
    return {RecoveryWanted::Kind::kStopped, "",
            service + " was stopped by the user (" + job.id + "): not starting it"};
  }
  return {RecoveryWanted::Kind::kRunning, "", ""};
}

std::string RecoveryHold(const std::vector<JobInfo>& jobs, const std::string& service,
                         const std::optional<std::string>& own) {
  for (const JobInfo& job : jobs) {
    if (IsFinished(job.state) || job.id == own) continue;
    const bool holds = service == "vllm"
                           ? job.kind == JobKind::kSwap || job.kind == JobKind::kUpdate ||
                                 (job.kind == JobKind::kService && job.target == "vllm")
                           : job.kind == JobKind::kService && job.target == service;
    if (holds) return Named(job) + " runs";
  }
  return "";
}

std::optional<std::string> NewestUserJob(const std::vector<JobInfo>& jobs,
                                         const std::string& service) {
  for (const JobInfo& job : jobs) {
    if (job.trigger == JobTrigger::kUser && Decides(job, service)) return job.id;
  }
  return std::nullopt;
}

}  // namespace spark
