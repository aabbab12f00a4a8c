// The swap (API.md "Job object", SPARK-VLLM-DOCKER.md): reconcile → stop → launch →
// follow the log while the weights load → ready only when the log, /health and /v1/models
// all agree, and the vLLM probe has seen the new model.
#include <algorithm>
#include <array>

#include "controller/command_builder.h"
#include "controller/vllm_log.h"
#include "exporter/probe.h"
#include "job_context.h"

namespace spark {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// What the log follower has seen; written on the executor's thread, read by the job.
struct LogWatch {
  std::mutex mu;
  SteadyTime last_line{};
  bool ready = false;
  std::string fatal;  // the fatal line, when one came
  bool traceback = false;
  std::optional<double> percent;
  // A follow started again after a lost link replays the log from the same `--since`: its
  // first `logged` lines per stream (stdout, stderr) were seen already and are skipped.
  std::array<size_t, 2> logged{};
  std::array<size_t, 2> replayed{};
};

// Reconnecting to follow the log again after a lost link, at most this often.
constexpr std::chrono::seconds kRefollowEvery(1);
// How often the watchdog looks at the log, the API, cancellation and the deadlines.
constexpr milliseconds kTick(200);

bool AnyLineContains(const std::vector<std::string>& lines, std::string_view text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

// Runs `command`, returning its outcome and its output lines.
std::pair<RemoteOutcome, std::vector<std::string>> RunCollect(Controller::Context& ctx,
                                                              RemoteCommand command,
                                                              bool cleanup = false) {
  auto lines = std::make_shared<std::vector<std::string>>();
  command.on_line = [lines](RemoteStream, std::string_view line) { lines->emplace_back(line); };
  RemoteOutcome outcome = ctx.Run(std::move(command), cleanup);
  return {outcome, std::move(*lines)};
}

// The container on `spark`, if docker ps lists it.
Result<bool> ContainerRunning(Controller::Context& ctx, const CommandBuilder& builder,
                              const std::string& spark, const std::string& container) {
  const RemoteCommandLine ps = builder.Reconcile();
  auto [outcome, lines] = RunCollect(ctx, {spark, ps.line, ps.timeout, {}});
  if (!outcome.status.ok()) return ctx.Failure(outcome, "docker ps on " + spark);
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.starts_with(container + " "); });
}

// vLLM answers /health with 200 and lists `served` in /v1/models.
bool Serving(HttpClient& http, const std::string& base_url, const std::string& served) {
  HttpRequest health;
  health.url = base_url + "/health";
  health.timeout = seconds(2);
  const HttpResult h = http.Send(health);
  if (!h.ok() || h.response().status != 200) return false;
  HttpRequest models;
  models.url = base_url + "/v1/models";
  models.timeout = seconds(2);
  const HttpResult m = http.Send(models);
  if (!m.ok() || m.response().status != 200) return false;
  const std::vector<std::string> ids = ParseVllmModelIds(m.response().body);
  return std::find(ids.begin(), ids.end(), served) != ids.end();
}

// Stops what a swap that gave up left loading (it would hold the GPUs' memory).
void StopAfterFailure(Controller::Context& ctx, const CommandBuilder& builder,
                      const std::string& head) {
  ctx.System("stopping the half-started vLLM");
  const RemoteCommandLine stop = builder.StopCluster();
  const RemoteOutcome outcome = ctx.Run({head, stop.line, stop.timeout, {}}, true);
  if (!outcome.status.ok()) ctx.System("stopping failed: " + outcome.status.message());
}

}  // namespace

Status RunSwap(Controller::Context& ctx, const SwapPlan& plan) {
  const CatalogModel& model = plan.entry.model;
  const RemoteSettings remote = RemoteSettings::FromConfig(ctx.config());
  const CommandBuilder builder(remote);
  auto launch = builder.Launch(LaunchSpecFor(model, plan.entry.overrides));
  if (!launch.ok()) return launch.status();
  const SteadyTime deadline = ctx.clock().Now() + plan.timeout;
  ctx.System("swapping to " + model.name + " (" + model.ServedName() + ")");

  // Reconcile: what runs where before anything is touched.
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

  // Stop, always: a running container makes launch-cluster.sh skip the launch.
  ctx.Phase("stopping");
  const RemoteCommandLine stop = builder.StopCluster();
  if (auto outcome = ctx.Run({plan.head, stop.line, stop.timeout, {}}); !outcome.status.ok()) {
    return ctx.Failure(outcome, "launch-cluster.sh stop on " + plan.head);
  }
  if (plan.worker && had_container[*plan.worker]) {
    auto still = ContainerRunning(ctx, builder, *plan.worker, remote.vllm_container);
    if (!still.ok()) return still.status();
    if (*still) {
      ctx.System(*plan.worker + ": stopping an orphaned " + remote.vllm_container);
      auto docker_stop = builder.Container(ContainerAction::kStop, remote.vllm_container);
      if (!docker_stop.ok()) return docker_stop.status();
      auto outcome = ctx.Run({*plan.worker, docker_stop->line, docker_stop->timeout, {}});
      if (!outcome.status.ok()) return ctx.Failure(outcome, "docker stop on " + *plan.worker);
    }
  }

  ctx.Phase("launching");
  // The follow asks for the lines since the launch began, measured back from the Spark's own
  // "now" (a relative --since), plus some slack; the container is new, so nothing older can
  // show up, and a Spark clock that is off by an hour cannot hide its lines.
  const SteadyTime launch_began = ctx.clock().Now();
  auto [launched, launch_lines] = RunCollect(ctx, {plan.head, launch->line, launch->timeout, {}});
  if (launched.status.code() == ErrorCode::kSshUnreachable) {
    // The link dropped around the launch, which detaches on the Spark: what runs there now
    // (asked over a new session) says whether it was dispatched.
    ctx.System("lost the SSH link during the launch: " + launched.status.message() +
               "; checking on " + plan.head + " whether vLLM was started");
    auto running = ContainerRunning(ctx, builder, plan.head, remote.vllm_container);
    if (!running.ok() || !*running)
      return ctx.Failure(launched, "launch-cluster.sh on " + plan.head);
    ctx.System(plan.head + ": " + remote.vllm_container + " is running; following its log");
    launched = RemoteOutcome{};
  }
  if (AnyLineContains(launch_lines, "already running. Skipping launch")) {
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "launch-cluster.sh found containers still running after the stop and "
                         "skipped the launch; stop them on the Sparks and retry");
  }
  if (!launched.status.ok()) {
    if (launched.exit_code && (AnyLineContains(launch_lines, "Usage") ||
                               AnyLineContains(launch_lines, "nknown option"))) {
      return Status::Error(ErrorCode::kRemoteCommandFailed,
                           "this spark-vllm-docker checkout cannot launch in daemon mode "
                           "(-d with exec, added 2026-02-26): apply the spark-vllm-docker update "
                           "and retry");
    }
    return ctx.Failure(launched, "launch-cluster.sh on " + plan.head);
  }

  ctx.Phase("loading", 0.0);
  auto watch = std::make_shared<LogWatch>();
  watch->last_line = ctx.clock().Now();
  const Clock& clock = ctx.clock();
  const LineCallback on_line = [watch, &clock, &ctx](RemoteStream stream, std::string_view line) {
    const size_t s = stream == RemoteStream::kStdout ? 0 : 1;
    {
      std::lock_guard lock(watch->mu);
      watch->last_line = clock.Now();
      if (watch->replayed[s]++ < watch->logged[s]) return;  // seen before the link was lost
      ++watch->logged[s];
      const VllmLogSignal signal = ParseVllmLogLine(line);
      switch (signal.kind) {
        case VllmLogSignal::Kind::kReady:
          watch->ready = true;
          break;
        case VllmLogSignal::Kind::kFatal:
          watch->fatal = std::string(line);
          break;
        case VllmLogSignal::Kind::kTraceback:
          watch->traceback = true;
          break;
        case VllmLogSignal::Kind::kLoading:
          if (signal.percent) watch->percent = signal.percent;
          break;
        default:
          break;
      }
    }
    ctx.Log(s == 0 ? LogStream::kStdout : LogStream::kStderr, line);
  };
  // The follow's own deadline is the swap's, so a new one after a lost link is bounded alike.
  auto start_follow = [&] {
    {
      std::lock_guard lock(watch->mu);
      watch->replayed = {};
    }
    const RemoteCommandLine again =
        builder.FollowLogs(clock.Now() - launch_began + seconds(30),
                           std::max<Duration>(deadline - clock.Now(), seconds(1)));
    return ctx.Start({plan.head, again.line, again.timeout, on_line}, false, false);
  };
  auto follow = start_follow();
  SteadyTime next_follow{};
  size_t lines_at_loss = SIZE_MAX;  // lines seen when the link was last reported lost
  auto end_follow = [&] {
    follow->Cancel();
    follow->Wait();
  };

  auto http = ctx.deps().http();
  SteadyTime next_check{};
  for (;;) {
    const auto ended = follow->WaitUntil(clock, clock.Now() + kTick);
    const SteadyTime now = clock.Now();
    bool ready = false;
    std::string fatal;
    SteadyTime last_line{};
    {
      std::lock_guard lock(watch->mu);
      ready = watch->ready;
      fatal = watch->fatal;
      last_line = watch->last_line;
      if (!ready && watch->percent) ctx.Phase("loading", watch->percent);
    }
    if (ctx.cancelled()) {
      end_follow();
      StopAfterFailure(ctx, builder, plan.head);
      return Status::Error(ErrorCode::kCancelled, "cancelled by the user; vLLM was stopped");
    }
    if (!fatal.empty()) {
      end_follow();
      return Status::Error(ErrorCode::kEngineFailed, "vLLM failed to start: " + fatal);
    }
    if (ready && now >= next_check) {
      if (Serving(*http, plan.base_url, model.ServedName())) break;
      next_check = now + ctx.deps().ready_check_interval;
    }
    if (ended && ended->status.code() == ErrorCode::kSshUnreachable) {
      // The launch is detached: vLLM goes on loading without us. Follow its log again over a
      // new session (the API alone decides once it logged start-up); the link's outage does
      // not count as a silent log.
      size_t lines = 0;
      {
        std::lock_guard lock(watch->mu);
        watch->last_line = last_line = now;
        lines = watch->logged[0] + watch->logged[1];
      }
      if (!ready && now >= next_follow) {
        if (lines != lines_at_loss) {  // once per loss, not per attempt while the Spark is away
          lines_at_loss = lines;
          ctx.System("lost the SSH link to " + plan.head + " while vLLM loads (" +
                     ended->status.message() + "); reconnecting to follow its log again");
        }
        next_follow = now + kRefollowEvery;
        follow = start_follow();
      } else {
        clock.SleepUntil(clock.Now() + kTick);
      }
    } else if (ended) {
      if (!ended->status.ok() && ended->status.code() != ErrorCode::kRemoteCommandFailed &&
          ended->status.code() != ErrorCode::kTimeout) {
        return ctx.Failure(*ended, "following the vLLM log on " + plan.head);
      }
      if (!ready) {
        return Status::Error(ErrorCode::kEngineFailed,
                             "the vLLM container stopped before it was ready (see the log)");
      }
      // The log ended after start-up (container restarted?): keep checking the API until
      // the deadline.
      clock.SleepUntil(clock.Now() + kTick);
    }
    if (!ready && now - last_line > plan.silent) {
      end_follow();
      StopAfterFailure(ctx, builder, plan.head);
      return Status::Error(
          ErrorCode::kSilentLog,
          "vLLM printed nothing for " +
              std::to_string(std::chrono::duration_cast<seconds>(plan.silent).count()) +
              " s; it was stopped");
    }
    if (now >= deadline) {
      end_follow();
      StopAfterFailure(ctx, builder, plan.head);
      return Status::Error(ErrorCode::kTimeout,
                           std::string(ready ? "vLLM logged start-up but its API did not serve "
                                             : "vLLM was not ready ") +
                               model.ServedName() + " within the swap timeout; it was stopped");
    }
  }
  end_follow();
  ctx.System("vLLM serves " + model.ServedName() + "; refreshing the probe");
  ctx.deps().probe_now("vllm");
  ctx.Phase("ready", 100.0);
  return Status::Ok();
}

}  // namespace spark
