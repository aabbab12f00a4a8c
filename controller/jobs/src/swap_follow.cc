#include "swap_follow.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>

#include "controller/vllm_log.h"
#include "exporter/probe.h"

namespace spark {

using std::chrono::milliseconds;
using std::chrono::seconds;

// What the log follower has seen; written on the executor's thread, read by the job.
struct LogWatch {
  std::mutex mu;
  SteadyTime last_line{};
  bool ready = false;
  std::string fatal;  // the fatal line, when one came
  std::optional<double> percent;
  // A follow started again after a lost link replays the log from the same `--since`: its
  // first `logged` lines per stream (stdout, stderr) were seen already and are skipped.
  std::array<size_t, 2> logged{};
  std::array<size_t, 2> replayed{};
};

struct LaunchFollower::Look {
  bool ready = false;
  std::string fatal;
  SteadyTime last_line{};
};

namespace {

// Reconnecting to follow the log again after a lost link, at most this often.
constexpr std::chrono::seconds kRefollowEvery(1);
// How often the watchdog looks at the log, the API, cancellation and the deadlines.
constexpr milliseconds kTick(200);

// Notes what a new log line says (the caller holds watch.mu).
void Note(LogWatch& watch, std::string_view line) {
  const VllmLogSignal signal = ParseVllmLogLine(line);
  switch (signal.kind) {
    case VllmLogSignal::Kind::kReady:
      watch.ready = true;
      break;
    case VllmLogSignal::Kind::kFatal:
      watch.fatal = std::string(line);
      break;
    case VllmLogSignal::Kind::kLoading:
      if (signal.percent) watch.percent = signal.percent;
      break;
    default:
      break;
  }
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

}  // namespace

LaunchFollower::LaunchFollower(Controller::Context& ctx, const CommandBuilder& builder,
                               const SwapPlan& plan, SteadyTime launch_began, SteadyTime deadline)
    : ctx_(ctx),
      builder_(builder),
      plan_(plan),
      clock_(ctx.clock()),
      launch_began_(launch_began),
      deadline_(deadline),
      watch_(std::make_shared<LogWatch>()) {
  watch_->last_line = clock_.Now();
}

LaunchFollower::~LaunchFollower() {
  if (follow_) EndFollow();
}

Status LaunchFollower::FollowUntilReady() {
  follow_ = StartFollow();
  const auto http = ctx_.deps().http();
  SteadyTime next_check{};
  for (;;) {  // bounded by the swap's deadline (CheckWatchdogs)
    const auto ended = follow_->WaitUntil(clock_, clock_.Now() + kTick);
    const SteadyTime now = clock_.Now();
    Look look = LookAtLog();
    if (ctx_.cancelled()) {
      return GiveUp(
          Status::Error(ErrorCode::kCancelled, "cancelled by the user; vLLM was stopped"));
    }
    if (!look.fatal.empty()) {
      EndFollow();
      return Status::Error(ErrorCode::kEngineFailed, "vLLM failed to start: " + look.fatal);
    }
    if (look.ready && now >= next_check) {
      if (Serving(*http, plan_.base_url, plan_.entry.model.ServedName())) break;
      next_check = now + ctx_.deps().ready_check_interval;
    }
    if (ended && ended->status.code() == ErrorCode::kSshUnreachable) {
      look.last_line = now;  // the link's outage does not count as a silent log
      AfterLostLink(now, *ended, look.ready);
    } else if (ended) {
      if (Status s = AfterEnd(*ended, look.ready); !s.ok()) return s;
    }
    if (Status s = CheckWatchdogs(now, look); !s.ok()) return s;
  }
  EndFollow();
  return Status::Ok();
}

// The follow's own deadline is the swap's, so a new one after a lost link is bounded alike.
std::shared_ptr<RemoteRun> LaunchFollower::StartFollow() {
  {
    std::lock_guard lock(watch_->mu);
    watch_->replayed = {};
  }
  const RemoteCommandLine again =
      builder_.FollowLogs(clock_.Now() - launch_began_ + seconds(30),
                          std::max<Duration>(deadline_ - clock_.Now(), seconds(1)));
  const LineCallback on_line = [watch = watch_, &clock = clock_, &ctx = ctx_](
                                   RemoteStream stream, std::string_view line) {
    const size_t s = stream == RemoteStream::kStdout ? 0 : 1;
    {
      std::lock_guard lock(watch->mu);
      watch->last_line = clock.Now();
      if (watch->replayed[s]++ < watch->logged[s]) return;  // seen before the link was lost
      ++watch->logged[s];
      Note(*watch, line);
    }
    ctx.Log(s == 0 ? LogStream::kStdout : LogStream::kStderr, line);
  };
  return ctx_.Start({plan_.head, again.line, again.timeout, on_line}, false, false);
}

void LaunchFollower::EndFollow() {
  follow_->Cancel();
  follow_->Wait();
}

LaunchFollower::Look LaunchFollower::LookAtLog() {
  std::lock_guard lock(watch_->mu);
  if (!watch_->ready && watch_->percent) ctx_.Phase(SwapPhase(plan_, "loading"), watch_->percent);
  return Look{watch_->ready, watch_->fatal, watch_->last_line};
}

// The launch is detached: vLLM goes on loading without us. Follow its log again over a new
// session (the API alone decides once it logged start-up).
void LaunchFollower::AfterLostLink(SteadyTime now, const RemoteOutcome& ended, bool ready) {
  size_t lines = 0;
  {
    std::lock_guard lock(watch_->mu);
    watch_->last_line = now;
    lines = watch_->logged[0] + watch_->logged[1];
  }
  if (ready || now < next_follow_) {
    clock_.SleepUntil(clock_.Now() + kTick);
    return;
  }
  if (lines != lines_at_loss_) {  // once per loss, not per attempt while the Spark is away
    lines_at_loss_ = lines;
    ctx_.System("lost the SSH link to " + plan_.head + " while vLLM loads (" +
                ended.status.message() + "); reconnecting to follow its log again");
  }
  next_follow_ = now + kRefollowEvery;
  follow_ = StartFollow();
}

// The follow ended without a lost link.
Status LaunchFollower::AfterEnd(const RemoteOutcome& ended, bool ready) {
  if (!ended.status.ok() && ended.status.code() != ErrorCode::kRemoteCommandFailed &&
      ended.status.code() != ErrorCode::kTimeout) {
    return ctx_.Failure(ended, "following the vLLM log on " + plan_.head);
  }
  if (!ready) {
    return Status::Error(ErrorCode::kEngineFailed,
                         "the vLLM container stopped before it was ready (see the log)");
  }
  // The log ended after start-up (container restarted?): keep checking the API until the
  // deadline.
  clock_.SleepUntil(clock_.Now() + kTick);
  return Status::Ok();
}

Status LaunchFollower::CheckWatchdogs(SteadyTime now, const Look& look) {
  if (!look.ready && now - look.last_line > plan_.silent) {
    return GiveUp(Status::Error(
        ErrorCode::kSilentLog,
        "vLLM printed nothing for " +
            std::to_string(std::chrono::duration_cast<seconds>(plan_.silent).count()) +
            " s; it was stopped"));
  }
  if (now >= deadline_) {
    return GiveUp(Status::Error(
        ErrorCode::kTimeout,
        std::string(look.ready ? "vLLM logged start-up but its API did not serve "
                               : "vLLM was not ready ") +
            plan_.entry.model.ServedName() + " within the swap timeout; it was stopped"));
  }
  return Status::Ok();
}

void StopHalfStarted(Controller::Context& ctx, const CommandBuilder& builder,
                     const std::string& head) {
  ctx.System("stopping the half-started vLLM");
  const RemoteCommandLine stop = builder.StopCluster();
  const RemoteOutcome outcome = ctx.Run({head, stop.line, stop.timeout, {}}, true);
  if (!outcome.status.ok()) ctx.System("stopping failed: " + outcome.status.message());
}

Status LaunchFollower::GiveUp(Status why) {
  EndFollow();
  StopHalfStarted(ctx_, builder_, plan_.head);
  return why;
}

}  // namespace spark
