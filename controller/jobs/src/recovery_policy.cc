#include "controller/recovery_policy.h"

#include <algorithm>

namespace spark {
namespace {

// What the newest inspect says about a service that is down.
struct Verdict {
  enum class Kind { kRecover, kSkip, kWait };
  Kind kind = Kind::kWait;
  std::string cause;                           // one clause: "vllm_node exited 1"
  RecoveryStep step = RecoveryStep::kNothing;  // kRecover: how
  std::optional<WallTime> recheck_at;          // kWait: inspect again from then on
  std::optional<WallTime> next_at;  // kWait: shown as next_at (a hung service's deadline)
};

Verdict Recover(std::string cause, RecoveryStep step) {
  return {Verdict::Kind::kRecover, std::move(cause), step, std::nullopt, std::nullopt};
}
Verdict Skip(std::string cause) {
  return {Verdict::Kind::kSkip, std::move(cause), RecoveryStep::kNothing, std::nullopt,
          std::nullopt};
}
Verdict Wait(std::string cause, WallTime recheck_at, std::optional<WallTime> next_at = {}) {
  return {Verdict::Kind::kWait, std::move(cause), RecoveryStep::kNothing, recheck_at, next_at};
}

// An exited container: with its Spark's reboot, out of memory, a crash, or a clean stop.
Verdict ClassifyExit(const RecoveryInput& in, const ContainerReport& report) {
  const std::string& name = in.container;
  const std::string code = std::to_string(report.exit_code);
  const RecoveryStep step = in.vllm ? RecoveryStep::kRelaunch : RecoveryStep::kDockerStart;
  const bool rebooted =
      report.boot_epoch_s && report.finished_at &&
      *report.finished_at < WallTime(std::chrono::seconds(*report.boot_epoch_s)) + kRebootSlack;
  if (rebooted) {
    return Recover(name + " went down with " + in.spark + "'s reboot (exit " + code + ")", step);
  }
  if (report.oom_killed)
    return Recover(name + " was killed out of memory (exit " + code + ")", step);
  if (report.exit_code != 0 && report.exit_code != 143) {
    const char* engine = in.vllm && report.engine_dead ? " (its log shows a dead engine)" : "";
    return Recover(name + " exited " + code + engine, step);
  }
  return Skip(name + " exited " + code + ", a clean stop by hand: not " +
              (in.vllm ? "relaunching" : "starting") + " it");
}

Verdict Classify(const RecoveryInput& in, const RecoveryInspection& inspection) {
  if (!inspection.report.ok()) {
    const Status& failed = inspection.report.status();
    const bool remote_failed = failed.code() == ErrorCode::kRemoteCommandFailed ||
                               failed.code() == ErrorCode::kInvalidField;
    return Wait((remote_failed ? "the inspect of " + in.container + " on " + in.spark + " failed: "
                               : in.spark + " unreachable: ") +
                    failed.message(),
                inspection.at + kRecoveryReinspect);
  }
  const ContainerReport& report = *inspection.report;
  const std::string& name = in.container;
  if (report.missing) {
    if (!in.vllm) return Skip(name + " is missing on " + in.spark + ": nothing to start");
    return Recover(
        name + " is missing on " + in.spark + " (rebooted, or the container was removed)",
        RecoveryStep::kRelaunch);
  }
  if (report.status == "exited") return ClassifyExit(in, report);
  if (report.status != "running") {
    return Wait(name + " is " + report.status + " on " + in.spark + ": waiting for it to settle",
                inspection.at + kRecoveryReinspect);
  }
  if (in.vllm && report.engine_dead) {
    return Recover(name + " runs but its log shows a dead engine", RecoveryStep::kRelaunch);
  }
  // Counted from the later of the death and the newest attempt: a container just started or
  // restarted gets hung_s to answer.
  const WallTime down_from =
      in.attempts.empty() ? in.down_since : std::max(in.down_since, in.attempts.back());
  const Duration hung = FromSeconds(in.config.hung_s);
  const WallTime hung_at = down_from + hung;
  if (inspection.at >= hung_at) {  // else seen running before it counted as hung: look again
    return Recover(
        name + " runs but " + in.service + " has not answered for " + FormatWait(hung) + " (hung)",
        in.vllm ? RecoveryStep::kRelaunch : RecoveryStep::kDockerRestart);
  }
  return Wait(name + " runs but " + in.service +
                  " does not answer: hung if it still does not after " + FormatWait(hung),
              hung_at, hung_at);
}

// "relaunching qwen36", "starting parakeet", "restarting magpie".
std::string Plan(const RecoveryInput& in, RecoveryStep step) {
  if (step == RecoveryStep::kRelaunch) return "relaunching " + in.wanted.model;
  return (step == RecoveryStep::kDockerStart ? "starting " : "restarting ") + in.container;
}

// A death that recovery acts on: the breaker, the backoff, or the attempt now.
RecoveryDecision Act(const RecoveryInput& in, const Verdict& verdict, WallTime classified_at,
                     RecoveryDecision d) {
  const int limit = in.config.max_failures;
  if (d.attempts >= limit) {
    d.state = RecoveryState::kTripped;
    d.action = "tripped";
    d.reason = verdict.cause + "; " + std::to_string(d.attempts) + " attempts within " +
               FormatWait(FromSeconds(in.config.window_s)) + ": no more until Resume";
    return d;
  }
  const int k = d.attempts + 1;
  const std::vector<double>& backoff = in.config.backoff_s;
  const double wait_s =
      backoff.empty() ? 0
                      : backoff[std::min<size_t>(static_cast<size_t>(k - 1), backoff.size() - 1)];
  const WallTime start = classified_at + FromSeconds(wait_s);
  const std::string attempt = ", attempt " + std::to_string(k) + " of " + std::to_string(limit);
  if (in.now < start) {
    d.state = RecoveryState::kWaiting;
    d.action = "waiting";
    d.reason = verdict.cause + "; " + Plan(in, verdict.step) + " in " +
               FormatWait(FromSeconds(wait_s)) + attempt;
    d.next_at = start;
    return d;
  }
  d.state = RecoveryState::kRecovering;
  d.action = "recovering";
  d.reason = verdict.cause + "; " + Plan(in, verdict.step) + attempt;
  d.step = verdict.step;
  if (verdict.step == RecoveryStep::kRelaunch) d.model = in.wanted.model;
  return d;
}

RecoveryDecision Off(RecoveryDecision d, std::string reason) {
  d.state = RecoveryState::kOff;
  d.reason = std::move(reason);
  return d;
}

}  // namespace

int AttemptsInWindow(const std::vector<WallTime>& attempts, double window_s, WallTime now) {
  const Duration window = FromSeconds(window_s);
  return static_cast<int>(std::count_if(attempts.begin(), attempts.end(),
                                        [&](WallTime t) { return t <= now && now - t < window; }));
}

std::string FormatWait(Duration wait) {
  const long long s = std::chrono::duration_cast<std::chrono::seconds>(wait).count();
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) {
    const std::string min = std::to_string(s / 60) + " min";
    return s % 60 == 0 ? min : min + " " + std::to_string(s % 60) + " s";
  }
  const std::string hours = std::to_string(s / 3600) + " h";
  return s % 3600 / 60 == 0 ? hours : hours + " " + std::to_string(s % 3600 / 60) + " min";
}

RecoveryDecision DecideRecovery(const RecoveryInput& in) {
  RecoveryDecision d;
  d.attempts = AttemptsInWindow(in.attempts, in.config.window_s, in.now);
  if (in.container.empty()) return Off(d, in.service + " has no container: nothing to recover");
  if (!in.config.enabled) return Off(d, "recovery is off (recovery.enabled: false)");
  if (in.up == false && in.down_reason == FailureReason::kNotConfigured) {
    return Off(d, in.service + " is not configured");
  }
  if (in.job) {
    d.state = RecoveryState::kRecovering;
    return d;
  }
  if (in.tripped) {
    d.state = RecoveryState::kTripped;
    return d;
  }
  if (!in.up.has_value() || *in.up) return d;
  if (!in.hold.empty()) {
    d.action = "held";
    d.reason = "held: " + in.hold;
    return d;
  }
  if (in.wanted.kind != RecoveryWanted::Kind::kRunning) {
    d.action = "skipped";
    d.reason = in.wanted.reason;
    return d;
  }
  const bool stale = !in.inspection || in.inspection->at < in.down_since ||
                     (!in.attempts.empty() && in.inspection->at < in.attempts.back());
  std::optional<Verdict> verdict;
  if (!stale) verdict = Classify(in, *in.inspection);
  if (!verdict || (verdict->recheck_at && in.now >= *verdict->recheck_at)) {
    d.state = RecoveryState::kWaiting;
    d.step = RecoveryStep::kInspect;
    return d;
  }
  switch (verdict->kind) {
    case Verdict::Kind::kSkip:
      d.action = "skipped";
      d.reason = verdict->cause;
      return d;
    case Verdict::Kind::kWait:
      d.state = RecoveryState::kWaiting;
      // A running container whose probe failed is not news until it counts as hung: a slow
      // probe or two must not write an event each.
      d.action = verdict->next_at ? "" : "waiting";
      d.reason = verdict->cause;
      d.next_at = verdict->next_at;
      return d;
    case Verdict::Kind::kRecover:
      break;
  }
  return Act(in, *verdict, in.inspection->at, d);
}

}  // namespace spark
