// Service actions (SPARK-VLLM-DOCKER.md "Speech services"): docker start|stop|restart of the
// configured container on the service's Spark, Magpie's cache-ownership fix, and vLLM's stop.
#include "controller/command_builder.h"
#include "job_context.h"

namespace spark {

Status RunServiceAction(Controller::Context& ctx, const ServicePlan& plan) {
  const CommandBuilder builder(RemoteSettings::FromConfig(ctx.config()));
  Result<RemoteCommandLine> command = Status::Ok();
  if (plan.action == "fix-cache-ownership") {
    command = builder.ChownCache(plan.cache_dir.value_or(""));
  } else {
    const ContainerAction action = plan.action == "start"  ? ContainerAction::kStart
                                   : plan.action == "stop" ? ContainerAction::kStop
                                                           : ContainerAction::kRestart;
    command = builder.Container(action, plan.container);
  }
  if (!command.ok()) return command.status();
  ctx.System(plan.action + " " + plan.service + " on " + plan.spark);
  const RemoteOutcome outcome = ctx.Run({plan.spark, command->line, command->timeout, {}});
  if (!outcome.status.ok()) return ctx.Failure(outcome, plan.action + " " + plan.service);
  ctx.System("done");
  ctx.deps().probe_now(plan.service);
  return Status::Ok();
}

Status RunClusterStop(Controller::Context& ctx, const std::string& head) {
  const CommandBuilder builder(RemoteSettings::FromConfig(ctx.config()));
  const RemoteCommandLine stop = builder.StopCluster();
  ctx.System("stopping vLLM on " + head);
  const RemoteOutcome outcome = ctx.Run({head, stop.line, stop.timeout, {}});
  if (!outcome.status.ok()) return ctx.Failure(outcome, "launch-cluster.sh stop");
  ctx.deps().probe_now("vllm");
  return Status::Ok();
}

}  // namespace spark
