// The swap (API.md "Job object", SPARK-VLLM-DOCKER.md): reconcile → stop → launch →
// follow the log while the weights load → ready only when the log, /health and /v1/models
// all agree, and the vLLM probe has seen the new model.
#include <algorithm>
#include <functional>
#include <map>

#include "controller/command_builder.h"
#include "job_context.h"
#include "swap_follow.h"

namespace spark {
namespace {

bool AnyLine(const CollectedOutput& out, const std::function<bool(const std::string&)>& pred) {
  return std::any_of(out.stdout_lines.begin(), out.stdout_lines.end(), pred) ||
         std::any_of(out.stderr_lines.begin(), out.stderr_lines.end(), pred);
}

bool AnyLineContains(const CollectedOutput& out, std::string_view text) {
  return AnyLine(out,
                 [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

// The container on `spark`, if docker ps lists it.
Result<bool> ContainerRunning(Controller::Context& ctx, const CommandBuilder& builder,
                              const std::string& spark, const std::string& container) {
  const RemoteCommandLine ps = builder.Reconcile();
  const CollectedOutput out = ctx.Collect(spark, ps, true);
  if (!out.outcome.status.ok()) return ctx.Failure(out.outcome, "docker ps on " + spark);
  return AnyLine(out, [&](const std::string& line) { return line.starts_with(container + " "); });
}

// Reconcile (what runs where before anything is touched), then stop, always: a running
// container makes launch-cluster.sh skip the launch. An orphaned container on the worker
// that the stop left behind is stopped by hand.
Status ReconcileAndStop(Controller::Context& ctx, const CommandBuilder& builder,
                        const RemoteSettings& remote, const SwapPlan& plan) {
  std::vector<std::string> nodes = {plan.head};
  if (plan.worker) nodes.push_back(*plan.worker);
  std::map<std::string, bool> had_container;
  for (const auto& node : nodes) {
    auto running = ContainerRunning(ctx, builder, node, remote.vllm_container);
    if (!running.ok()) return running.status();
    had_container[node] = *running;
    ctx.System(node + ": " + remote.vllm_container +
               (*running ? " is running" : " is not running"));
  }

  ctx.Phase(SwapPhase(plan, "stopping"));
  const RemoteCommandLine stop = builder.StopCluster();
  if (auto outcome = ctx.Run({plan.head, stop.line, stop.timeout, {}}); !outcome.status.ok()) {
    return ctx.Failure(outcome, "launch-cluster.sh stop on " + plan.head);
  }
  if (!plan.worker || !had_container[*plan.worker]) return Status::Ok();
  auto still = ContainerRunning(ctx, builder, *plan.worker, remote.vllm_container);
  if (!still.ok()) return still.status();
  if (!*still) return Status::Ok();
  ctx.System(*plan.worker + ": stopping an orphaned " + remote.vllm_container);
  auto docker_stop = builder.Container(ContainerAction::kStop, remote.vllm_container);
  if (!docker_stop.ok()) return docker_stop.status();
  auto outcome = ctx.Run({*plan.worker, docker_stop->line, docker_stop->timeout, {}});
  if (!outcome.status.ok()) return ctx.Failure(outcome, "docker stop on " + *plan.worker);
  return Status::Ok();
}

// Runs launch-cluster.sh on the head. A link lost around the launch is not a failure when
// the container runs afterwards: the launch detaches on the Spark.
Status Launch(Controller::Context& ctx, const CommandBuilder& builder, const RemoteSettings& remote,
              const SwapPlan& plan, const RemoteCommandLine& launch) {
  CollectedOutput out = ctx.Collect(plan.head, launch, true);
  RemoteOutcome& launched = out.outcome;
  if (launched.status.code() == ErrorCode::kSshUnreachable) {
    // What runs there now (asked over a new session) says whether it was dispatched.
    ctx.System("lost the SSH link during the launch: " + launched.status.message() +
               "; checking on " + plan.head + " whether vLLM was started");
    auto running = ContainerRunning(ctx, builder, plan.head, remote.vllm_container);
    if (!running.ok() || !*running)
      return ctx.Failure(launched, "launch-cluster.sh on " + plan.head);
    ctx.System(plan.head + ": " + remote.vllm_container + " is running; following its log");
    launched = RemoteOutcome{};
  }
  if (AnyLineContains(out, "already running. Skipping launch")) {
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "launch-cluster.sh found containers still running after the stop and "
                         "skipped the launch; stop them on the Sparks and retry");
  }
  if (launched.status.ok()) return Status::Ok();
  if (launched.exit_code &&
      (AnyLineContains(out, "Usage") || AnyLineContains(out, "nknown option"))) {
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "this spark-vllm-docker checkout cannot launch in daemon mode "
                         "(-d with exec, added 2026-02-26): apply the spark-vllm-docker update "
                         "and retry");
  }
  return ctx.Failure(launched, "launch-cluster.sh on " + plan.head);
}

}  // namespace

Result<SwapPlan> PlanSwap(const Config& config, const CatalogEntry& entry) {
  // Refused before any job or remote command: a model whose launch line the config forbids
  // (e.g. a stored --trust-remote-code without the operator's consent).
  const CommandBuilder builder(RemoteSettings::FromConfig(config));
  if (auto launch = builder.Launch(LaunchSpecFor(entry.model, entry.overrides)); !launch.ok()) {
    return Status::Error(ErrorCode::kConflict,
                         "\"" + entry.model.id + "\" cannot be launched: " +
                             launch.status().field() + ": " + launch.status().message(),
                         "model");
  }
  SwapPlan plan;
  plan.entry = entry;
  plan.head = config.vllm.spark;
  for (const auto& [name, spark] : config.sparks) {
    if (name != plan.head && spark.host) plan.worker = name;
  }
  const auto head = config.sparks.find(plan.head);
  if (head == config.sparks.end() || !head->second.host) {
    return Status::Error(ErrorCode::kNotConfigured,
                         plan.head + " has no host: configure the Sparks first");
  }
  plan.base_url = "http://" + config.VllmHttpHost().value_or(*head->second.host) + ":" +
                  std::to_string(config.vllm.port);
  plan.timeout = FromSeconds(entry.model.swap_timeout_s.value_or(config.swap.timeout_s));
  plan.silent = FromSeconds(config.swap.silent_log_s);
  return plan;
}

std::string_view SwapPhase(const SwapPlan& plan, std::string_view phase) {
  return plan.fixed_phase ? std::string_view(*plan.fixed_phase) : phase;
}

Status RunSwap(Controller::Context& ctx, const SwapPlan& plan) {
  const CatalogModel& model = plan.entry.model;
  const RemoteSettings remote = RemoteSettings::FromConfig(ctx.config());
  const CommandBuilder builder(remote);
  auto launch = builder.Launch(LaunchSpecFor(model, plan.entry.overrides));
  if (!launch.ok()) return launch.status();
  const SteadyTime deadline = ctx.clock().Now() + plan.timeout;
  ctx.System("swapping to " + model.name + " (" + model.ServedName() + ")");
  if (Status s = ReconcileAndStop(ctx, builder, remote, plan); !s.ok()) return s;

  ctx.Phase(SwapPhase(plan, "launching"));
  // The follow asks for the lines since the launch began, measured back from the Spark's own
  // "now" (a relative --since), plus some slack; the container is new, so nothing older can
  // show up, and a Spark clock that is off by an hour cannot hide its lines.
  const SteadyTime launch_began = ctx.clock().Now();
  if (Status s = Launch(ctx, builder, remote, plan, *launch); !s.ok()) {
    // A cancel while launch-cluster.sh runs may come after it started the container.
    if (s.code() != ErrorCode::kCancelled) return s;
    StopHalfStarted(ctx, builder, plan.head);
    return Status::Error(ErrorCode::kCancelled, "cancelled by the user; vLLM was stopped");
  }

  ctx.Phase(SwapPhase(plan, "loading"), 0.0);
  LaunchFollower follower(ctx, builder, plan, launch_began, deadline);
  if (Status s = follower.FollowUntilReady(); !s.ok()) return s;
  ctx.System("vLLM serves " + model.ServedName() + "; refreshing the probe");
  ctx.deps().probe_now("vllm");
  ctx.Phase(SwapPhase(plan, "ready"), 100.0);
  return Status::Ok();
}

}  // namespace spark
