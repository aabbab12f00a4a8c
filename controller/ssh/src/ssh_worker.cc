#include "ssh_worker.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "controller/command_builder.h"

namespace spark::ssh {
namespace {

std::string SecondsText(Duration d) {
  const double s = Seconds(d);
  return s == std::floor(s) ? std::to_string(static_cast<long long>(s)) : std::to_string(s);
}

Status ShuttingDown() {
  return Status::Error(ErrorCode::kCancelled, "spark-control is shutting down");
}

}  // namespace

SparkWorker::SparkWorker(std::string spark, WorkerSettings settings, const Clock& clock)
    : spark_(std::move(spark)),
      clock_(clock),
      clock_watch_(clock.OnAdvance([wake = wake_] { wake->Notify(); })),
      settings_(std::move(settings)),
      thread_([this] { Loop(); }) {}

SparkWorker::~SparkWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_->Notify();
  thread_.join();
}

std::shared_ptr<RemoteRun> SparkWorker::Start(RemoteCommand command) {
  auto job = std::make_unique<Job>();
  job->run = std::make_shared<RemoteRun>([wake = wake_] { wake->Notify(); });
  job->started = clock_.Now();
  job->deadline = job->started + command.timeout;
  job->wire_line = CommandBuilder::ReportSession(command.line);
  job->command = std::move(command);
  auto run = job->run;
  {
    std::lock_guard lock(mu_);
    if (stop_) {
      run->Finish(RemoteOutcome::Failed(ShuttingDown()));
      return run;
    }
    incoming_.push_back(std::move(job));
  }
  wake_->Notify();
  return run;
}

Status SparkWorker::ConfirmHostKey(const std::string& fingerprint, Duration timeout) {
  auto confirm = std::make_shared<Confirm>();
  confirm->fingerprint = fingerprint;
  confirm->deadline = clock_.Now() + timeout;
  auto result = confirm->result.get_future();
  {
    std::lock_guard lock(mu_);
    if (stop_) return ShuttingDown();
    incoming_confirms_.push_back(confirm);
  }
  wake_->Notify();
  // The worker gives up at the same deadline; a connection it is still opening for a command
  // may hold the answer longer, which the caller must not wait for.
  if (result.wait_for(timeout) != std::future_status::ready) {
    return Status::Error(ErrorCode::kSshUnreachable,
                         spark_ + " did not answer within " + SecondsText(timeout) + " s");
  }
  return result.get();
}

void SparkWorker::Reconfigure(WorkerSettings settings) {
  {
    std::lock_guard lock(mu_);
    new_settings_ = std::move(settings);
  }
  wake_->Notify();
}

void SparkWorker::Loop() {
  while (true) {
    wake_->Drain();
    more_ = false;
    if (!TakeIncoming()) break;
    const SteadyTime now = clock_.Now();
    ExpireJobs(now);
    if (!conn_ && Wanted()) {
      if (now >= next_attempt_ || !confirms_.empty() || !last_error_) {
        Connect();
      } else {
        FailQueued(*last_error_, next_attempt_);
      }
    }
    ResolveConfirms();
    if (conn_) {
      StartQueued();
      Sweep();
    }
    if (conn_) KeepAlive(clock_.Now());
    WaitForWork();
  }
  Shutdown();
}

bool SparkWorker::TakeIncoming() {
  std::vector<std::unique_ptr<Job>> jobs;
  std::optional<WorkerSettings> settings;
  {
    std::lock_guard lock(mu_);
    if (stop_) return false;
    jobs.swap(incoming_);
    for (auto& c : incoming_confirms_) confirms_.push_back(std::move(c));
    incoming_confirms_.clear();
    settings.swap(new_settings_);
  }
  if (settings) {
    const bool changed = settings->login != settings_.login ||
                         settings->key_path != settings_.key_path ||
                         settings->known_hosts != settings_.known_hosts;
    settings_ = std::move(*settings);
    if (changed) {
      if (conn_) DropConnection("the SSH settings of " + spark_ + " changed");
      backoff_ = {};
      next_attempt_ = {};
      last_error_.reset();
    }
  }
  for (auto& job : jobs) {
    if (!settings_.login) {
      Finish(*job, RemoteOutcome::Failed(
                       Status::Error(ErrorCode::kNotConfigured,
                                     spark_ + " has no SSH host configured (Configure Sparks)")));
      continue;
    }
    queued_.push_back(std::move(job));
  }
  if (!settings_.login) {
    for (auto& c : confirms_)
      c->result.set_value(
          Status::Error(ErrorCode::kNotConfigured, spark_ + " has no SSH host configured"));
    confirms_.clear();
  }
  return true;
}

void SparkWorker::ExpireJobs(SteadyTime now) {
  for (auto it = queued_.begin(); it != queued_.end();) {
    Job& job = **it;
    if (!job.internal() && job.run->cancel_requested()) {
      Finish(job, RemoteOutcome::Failed(
                      Status::Error(ErrorCode::kCancelled, "cancelled before it started")));
    } else if (now >= job.deadline) {
      Finish(job, RemoteOutcome::Failed(Status::Error(
                      ErrorCode::kTimeout, "no SSH channel to " + spark_ + " within " +
                                               SecondsText(job.command.timeout) + " s")));
    } else {
      ++it;
      continue;
    }
    it = queued_.erase(it);
  }
  size_t stuck = 0;
  for (auto& job : active_) {
    if (job->aborted) {
      stuck += now >= job->wind_down_until ? 1 : 0;
      continue;
    }
    if (!job->internal() && job->run->cancel_requested()) {
      Abort(*job,
            Status::Error(ErrorCode::kCancelled, "cancelled; the remote command was stopped"));
    } else if (now >= job->deadline) {
      Abort(*job, Status::Error(ErrorCode::kTimeout,
                                "the command on " + spark_ + " did not finish within " +
                                    SecondsText(job->command.timeout) + " s; it was stopped"));
    }
  }
  // A session that never reports or closes what was stopped would keep those channels (and
  // sshd's sessions) forever; a new session frees them.
  if (stuck > 0) {
    DropConnection(std::to_string(stuck) + " stopped command(s) did not end within " +
                   SecondsText(settings_.wind_down) + " s; reconnecting to free their channels");
  }
}

void SparkWorker::Abort(Job& job, Status why) {
  Finish(job, RemoteOutcome::Failed(std::move(why)));
  job.aborted = true;
  job.wind_down_until = clock_.Now() + settings_.wind_down;
  // A job still opening or starting runs on until the remote shell reports its session,
  // so that the session can be killed; one that reported it is killed now.
  if (job.phase == Phase::kReading && (job.marker_seen || job.internal())) {
    if (job.session_id > 0) EnqueueKill(job.session_id);
    job.phase = Phase::kClosing;
  }
}

void SparkWorker::FailQueued(const RemoteOutcome& outcome, SteadyTime wait_until) {
  for (auto it = queued_.begin(); it != queued_.end();) {
    if ((*it)->deadline <= wait_until) {
      Finish(**it, outcome);
      it = queued_.erase(it);
    } else {
      ++it;
    }
  }
}

void SparkWorker::Finish(Job& job, RemoteOutcome outcome) {
  if (job.internal() || job.aborted) return;
  outcome.duration = clock_.Now() - job.started;
  job.run->Finish(std::move(outcome));
}

void SparkWorker::WaitForWork() {
  SteadyTime until = SteadyTime::max();
  for (const auto& job : queued_) until = std::min(until, job->deadline);
  for (const auto& job : active_) {
    until = std::min(until, job->aborted ? job->wind_down_until : job->deadline);
  }
  if (conn_) until = std::min(until, next_keepalive_);
  if (!conn_ && Wanted()) until = std::min(until, next_attempt_);
  // A job queued during the sweep (a kill for a command aborted before it reported its
  // session, or one waiting for a channel slot that just freed) must start now: nothing else
  // may wake us before its deadline, and the aborted command's channel only closes once the
  // very process the kill is for has exited.
  const auto busy =
      std::count_if(active_.begin(), active_.end(), [](const auto& j) { return !j->internal(); });
  const bool startable = conn_ && std::any_of(queued_.begin(), queued_.end(), [&](const auto& j) {
                           return j->internal() || busy < settings_.max_channels;
                         });
  int timeout_ms = -1;
  if (more_ || startable) {
    timeout_ms = 0;
  } else if (until != SteadyTime::max()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock_.Now()).count();
    timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 3600 * 1000));
  }
  std::array<pollfd, 2> fds{pollfd{wake_->fd(), POLLIN, 0}, pollfd{-1, 0, 0}};
  if (conn_) {
    // Idle: only a hang-up wakes us (bytes such as keepalive replies wait for the next command).
    fds[1] = {conn_->fd(),
              static_cast<short>(POLLRDHUP | (active_.empty() ? 0 : conn_->PollEvents())), 0};
  }
  const int n = poll(fds.data(), conn_ ? 2 : 1, timeout_ms);
  if (n <= 0 || !conn_) return;
  const short revents = fds[1].revents;
  if ((revents & (POLLERR | POLLHUP)) != 0 ||
      ((revents & POLLRDHUP) != 0 && (active_.empty() || peer_closed_))) {
    DropConnection("the connection was closed");
  } else if ((revents & POLLRDHUP) != 0) {
    peer_closed_ = true;  // let one sweep read what is left, then drop
  }
}

void SparkWorker::Shutdown() {
  for (auto& job : queued_) Finish(*job, RemoteOutcome::Failed(ShuttingDown()));
  for (auto& job : active_) Finish(*job, RemoteOutcome::Failed(ShuttingDown()));
  queued_.clear();
  if (conn_) shutdown(conn_->fd(), SHUT_RDWR);
  active_.clear();  // frees channels before the session
  conn_.reset();
  std::lock_guard lock(mu_);
  for (auto& job : incoming_) Finish(*job, RemoteOutcome::Failed(ShuttingDown()));
  incoming_.clear();
  for (auto& c : confirms_) c->result.set_value(ShuttingDown());
  for (auto& c : incoming_confirms_) c->result.set_value(ShuttingDown());
}

std::string SparkWorker::Describe(const Job& job) const {
  std::string line = job.command.line;
  if (line.size() > 120) line = line.substr(0, 117) + "...";
  return "`" + line + "` on " + spark_;
}

}  // namespace spark::ssh
