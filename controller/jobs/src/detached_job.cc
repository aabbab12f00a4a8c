#include "detached_job.h"

#include "controller/detached_commands.h"

namespace spark {
namespace {

constexpr int kMaxMisreads = 30;  // polls in a row that reached the Spark but read nothing

bool LinkLost(const Status& status) {
  return status.code() == ErrorCode::kSshUnreachable || status.code() == ErrorCode::kTimeout;
}

Status Interrupted(std::string message) {
  return Status::Error(ErrorCode::kInterrupted, std::move(message));
}

// Cancel: the script's whole session goes (the downloader, rsync and its ssh).
Status KillDetached(Controller::Context& ctx, const RemoteWork& work) {
  const auto killed = ctx.Collect(work.spark, DetachedCommands::Kill(work.dir), false, true);
  if (killed.outcome.status.ok()) {
    ctx.System("stopped the job's processes on " + work.spark + " (session " +
               std::to_string(work.pid) + "); partial files stay, so the same request resumes");
  } else {
    ctx.System("could not reach " + work.spark + " to stop the job (" +
               killed.outcome.status.message() + "); it may still run there in session " +
               std::to_string(work.pid));
  }
  return Status::Error(ErrorCode::kCancelled, "cancelled by the user");
}

}  // namespace

void SleepUnlessCancelled(Controller::Context& ctx, Duration span) {
  const Duration step = std::chrono::milliseconds(100);
  const SteadyTime until = ctx.clock().Now() + span;
  while (!ctx.cancelled()) {
    const SteadyTime now = ctx.clock().Now();
    if (now >= until) return;
    ctx.clock().SleepUntil(std::min(until, now + step));
  }
}

Status StartDetached(Controller::Context& ctx, const std::string& spark, std::string_view body) {
  const JobInfo job = ctx.info();
  const auto dir = DetachedCommands::JobDir(job.cluster, job.id);
  if (!dir.ok()) return dir.status();
  if (ctx.cancelled()) return Status::Error(ErrorCode::kCancelled, "cancelled by the user");
  // Not cancelled with the job: a cancel that cut this command short would leave the script
  // running with no record of it. Once recorded, the follow sees the cancel and kills it.
  const auto command = DetachedCommands::Start(*dir, body);
  const auto started = RunCollecting(
      {spark, command.line, command.timeout, {}},
      [&](RemoteCommand c) { return ctx.deps().executor.Start(std::move(c))->Wait(); });
  if (!started.outcome.status.ok()) {
    return ctx.Failure(started.outcome, "starting the job on " + spark);
  }
  const auto pid = ParseDetachedStart(started.stdout_lines);
  if (!pid.ok()) {
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "the job did not start on " + spark + ": " + pid.status().message());
  }
  ctx.SetRemote(RemoteWork{spark, *dir, *pid});
  ctx.System("running detached on " + spark + " in " + *dir + " (session " + std::to_string(*pid) +
             "); it goes on if the link drops or spark-control restarts");
  return Status::Ok();
}

Result<int> FollowDetached(Controller::Context& ctx, const DetachedFollow& follow) {
  const auto work = ctx.remote();
  if (!work) return Interrupted("the job has no remote work to follow");
  DetachedLog log;
  std::optional<SteadyTime> lost_since;
  int misreads = 0;
  while (true) {
    if (ctx.stopping()) return Interrupted("spark-control stopped; the job goes on remotely");
    if (ctx.cancelled()) return KillDetached(ctx, *work);
    const auto command = DetachedCommands::Poll(work->dir, log.offset(), follow.measure_dir);
    const auto out = ctx.Collect(work->spark, command, false);
    const Status& status = out.outcome.status;
    if (status.code() == ErrorCode::kCancelled) continue;
    if (LinkLost(status)) {
      const SteadyTime now = ctx.clock().Now();
      if (!lost_since) {
        lost_since = now;
        ctx.System("lost the SSH link to " + work->spark + " (" + status.message() +
                   "); the job goes on there and is followed again when the link is back");
      } else if (now - *lost_since > follow.link_grace) {
        return Interrupted("the SSH link to " + work->spark +
                           " stayed down; the job may still "
                           "run there (" +
                           work->dir + ")");
      }
      SleepUnlessCancelled(ctx, follow.poll_every);
      continue;
    }
    if (!status.ok() && status.code() != ErrorCode::kRemoteCommandFailed) {
      return ctx.Failure(out.outcome, "following the job on " + work->spark);
    }
    const auto poll = status.ok() ? ParseDetachedPoll(out.stdout_lines, log.offset())
                                  : Result<DetachedPoll>(status);
    if (!poll.ok()) {
      if (++misreads >= kMaxMisreads) {
        return Status::Error(
            ErrorCode::kRemoteCommandFailed,
            "cannot read the job's state on " + work->spark + ": " + poll.status().message());
      }
      SleepUnlessCancelled(ctx, follow.poll_every);
      continue;
    }
    misreads = 0;
    if (lost_since) {
      ctx.System("the SSH link to " + work->spark + " is back; following the job again");
      lost_since.reset();
    }
    if (poll->gone) {
      return Interrupted("the job's directory " + work->dir + " is gone from " + work->spark);
    }
    for (const auto& line : log.Apply(*poll)) {
      ctx.Log(LogStream::kStdout, line);
      if (follow.on_line) follow.on_line(line);
    }
    if (follow.on_poll) follow.on_poll(*poll);
    if (poll->next < poll->size) continue;  // more log waiting: read on without a pause
    if (poll->status) {
      if (const std::string rest = log.Flush(); !rest.empty()) {
        ctx.Log(LogStream::kStdout, rest);
        if (follow.on_line) follow.on_line(rest);
      }
      return *poll->status;
    }
    if (!poll->alive) {
      return Interrupted("the job's process on " + work->spark +
                         " ended without an exit status (killed, or the Spark restarted)");
    }
    SleepUnlessCancelled(ctx, follow.poll_every);
  }
}

}  // namespace spark
