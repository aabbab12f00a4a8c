// SparkWorker's channel side: every command is a channel on the one session, advanced by a
// sweep over all of them until none can progress (PITFALLS.md "libssh2 1.10").
#include <algorithm>
#include <cstdlib>

#include "controller/command_builder.h"
#include "exporter/log.h"
#include "ssh_worker.h"

namespace spark::ssh {
namespace {

constexpr size_t kReadChunk = 32 * 1024;

// Errors that end one channel; every other libssh2 error means the session is unusable.
bool ChannelOnlyError(int rc) {
  switch (rc) {
    case LIBSSH2_ERROR_CHANNEL_FAILURE:
    case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
    case LIBSSH2_ERROR_CHANNEL_UNKNOWN:
    case LIBSSH2_ERROR_CHANNEL_CLOSED:
    case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
    case LIBSSH2_ERROR_CHANNEL_OUTOFORDER:
    case LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED:
    case LIBSSH2_ERROR_BUFFER_TOO_SMALL:
    case LIBSSH2_ERROR_INVAL:
      return true;
    default:
      return false;
  }
}

}  // namespace

void SparkWorker::StartQueued() {
  auto busy = static_cast<int>(
      std::count_if(active_.begin(), active_.end(), [](const auto& j) { return !j->internal(); }));
  for (auto it = queued_.begin(); it != queued_.end();) {
    if (!(*it)->internal() && busy >= settings_.max_channels) {
      ++it;
      continue;
    }
    if (!(*it)->internal()) ++busy;
    (*it)->phase = Phase::kOpening;
    active_.push_back(std::move(*it));
    it = queued_.erase(it);
  }
}

void SparkWorker::Sweep() {
  constexpr int kMaxRounds = 64;
  int rounds = 0;
  bool progress = true;
  while (progress && conn_) {
    progress = false;
    for (size_t i = 0; i < active_.size() && conn_; ++i) {
      Job& job = *active_[i];
      if (send_owner_ != nullptr && send_owner_ != &job) continue;
      const Step step = Advance(job);
      if (step == Step::kSessionLost) {
        DropConnection(conn_->LastError());
        return;
      }
      // Before this step no packet was half sent (or it was this job's), so one half sent now is
      // this job's.
      const bool sending = (libssh2_session_block_directions(conn_->session()) &
                            LIBSSH2_SESSION_BLOCK_OUTBOUND) != 0;
      send_owner_ = sending ? &job : nullptr;
      progress = progress || step == Step::kProgress;
    }
    std::erase_if(active_, [this](const auto& j) {
      if (j->phase != Phase::kDone) return false;
      if (send_owner_ == j.get()) send_owner_ = nullptr;
      return true;
    });
    if (conn_ && conn_->TakeReceivedBytes() > 0) progress = true;
    if (progress && ++rounds >= kMaxRounds) {
      more_ = true;  // a flood: go round the loop (cancels, deadlines) and come straight back
      return;
    }
  }
}

SparkWorker::Step SparkWorker::Advance(Job& job) {
  LIBSSH2_SESSION* session = conn_->session();
  switch (job.phase) {
    case Phase::kQueued:
    case Phase::kDone:
      return Step::kIdle;
    case Phase::kOpening: {
      if (opener_ != nullptr && opener_ != &job) return Step::kIdle;
      opener_ = &job;
      LIBSSH2_CHANNEL* channel = libssh2_channel_open_session(session);
      if (channel == nullptr) {
        const int rc = libssh2_session_last_errno(session);
        if (rc == LIBSSH2_ERROR_EAGAIN) return Step::kIdle;
        opener_ = nullptr;
        if (!ChannelOnlyError(rc)) return Step::kSessionLost;
        Finish(job, RemoteOutcome::Failed(Status::Error(
                        ErrorCode::kRemoteCommandFailed,
                        spark_ + " refused a new SSH channel: " + conn_->LastError())));
        job.phase = Phase::kDone;
        return Step::kProgress;
      }
      opener_ = nullptr;
      job.channel = std::make_unique<Channel>(channel);
      job.phase = job.aborted ? Phase::kClosing : Phase::kExec;
      return Step::kProgress;
    }
    case Phase::kExec: {
      const int rc = libssh2_channel_exec(job.channel->get(), job.wire_line.c_str());
      if (rc == LIBSSH2_ERROR_EAGAIN) return Step::kIdle;
      if (rc != 0 && !ChannelOnlyError(rc)) return Step::kSessionLost;
      if (rc != 0) {
        Finish(job, RemoteOutcome::Failed(Status::Error(
                        ErrorCode::kRemoteCommandFailed,
                        spark_ + " refused to run " + Describe(job) + ": " + conn_->LastError())));
        job.phase = Phase::kClosing;
      } else {
        job.phase = Phase::kReading;
      }
      return Step::kProgress;
    }
    case Phase::kReading:
      return ReadOutput(job);
    case Phase::kClosing: {
      const int rc = libssh2_channel_close(job.channel->get());
      if (rc == LIBSSH2_ERROR_EAGAIN) return Step::kIdle;
      if (rc != 0 && !ChannelOnlyError(rc)) return Step::kSessionLost;
      job.phase = Phase::kWaitClosed;
      return Step::kProgress;
    }
    case Phase::kWaitClosed: {
      const int rc = libssh2_channel_wait_closed(job.channel->get());
      if (rc == LIBSSH2_ERROR_EAGAIN) return Step::kIdle;
      if (rc != 0 && !ChannelOnlyError(rc)) return Step::kSessionLost;
      Complete(job);
      return Step::kProgress;
    }
  }
  return Step::kIdle;
}

SparkWorker::Step SparkWorker::ReadOutput(Job& job) {
  if (read_buffer_.empty()) read_buffer_.resize(kReadChunk);
  std::vector<char>& buffer = read_buffer_;
  bool progress = false;
  for (int stream : {0, 1}) {
    while (job.phase == Phase::kReading) {
      const ssize_t n =
          libssh2_channel_read_ex(job.channel->get(), stream, buffer.data(), buffer.size());
      if (n == LIBSSH2_ERROR_EAGAIN || n == 0) break;
      if (n < 0) {
        if (!ChannelOnlyError(static_cast<int>(n))) return Step::kSessionLost;
        Finish(job, RemoteOutcome::Failed(Status::Error(ErrorCode::kRemoteCommandFailed,
                                                        "reading the output of " + Describe(job) +
                                                            " failed: " + conn_->LastError())));
        job.phase = Phase::kClosing;
        return Step::kProgress;
      }
      progress = true;
      const auto kind = stream == 0 ? RemoteStream::kStdout : RemoteStream::kStderr;
      (stream == 0 ? job.out : job.err)
          .Feed(std::string_view(buffer.data(), static_cast<size_t>(n)),
                [&](std::string_view line) { EmitLine(job, kind, line); });
    }
  }
  if (job.phase == Phase::kReading && libssh2_channel_eof(job.channel->get()) == 1) {
    job.out.Flush([&](std::string_view line) { EmitLine(job, RemoteStream::kStdout, line); });
    job.err.Flush([&](std::string_view line) { EmitLine(job, RemoteStream::kStderr, line); });
    job.phase = Phase::kClosing;
    progress = true;
  }
  return progress ? Step::kProgress : Step::kIdle;
}

void SparkWorker::EmitLine(Job& job, RemoteStream stream, std::string_view line) {
  const std::string_view marker = CommandBuilder::SessionMarker();
  if (stream == RemoteStream::kStdout && !job.marker_seen && line.starts_with(marker)) {
    job.marker_seen = true;
    job.session_id = std::strtol(std::string(line.substr(marker.size())).c_str(), nullptr, 10);
    if (job.aborted) {
      if (job.session_id > 0) EnqueueKill(job.session_id);
      job.phase = Phase::kClosing;
    }
    return;
  }
  if (job.aborted || !job.command.on_line) return;
  job.command.on_line(stream, line);
}

void SparkWorker::Complete(Job& job) {
  LIBSSH2_CHANNEL* channel = job.channel->get();
  RemoteOutcome outcome;
  char* signal = nullptr;
  size_t signal_len = 0;
  libssh2_channel_get_exit_signal(channel, &signal, &signal_len, nullptr, nullptr, nullptr,
                                  nullptr);
  if (signal != nullptr) {
    outcome.exit_signal.assign(signal, signal_len);
    libssh2_free(conn_->session(), signal);
    outcome.status = Status::Error(ErrorCode::kRemoteCommandFailed,
                                   Describe(job) + " was killed by signal " + outcome.exit_signal);
  } else {
    outcome.exit_code = libssh2_channel_get_exit_status(channel);
    if (*outcome.exit_code != 0) {
      outcome.status =
          Status::Error(ErrorCode::kRemoteCommandFailed, Describe(job) + " exited with status " +
                                                             std::to_string(*outcome.exit_code));
    }
  }
  // A kill command's own failure is only logged; pkill's 1 means nothing was left to kill.
  if (job.internal() && !outcome.status.ok() && outcome.exit_code != 1) {
    Log(LogLevel::kWarn,
        spark_ + ": stopping a cancelled command failed: " + outcome.status.message());
  }
  Finish(job, std::move(outcome));
  job.channel.reset();
  job.phase = Phase::kDone;
}

void SparkWorker::EnqueueKill(long session_id) {
  auto kill = CommandBuilder::KillSession(session_id);
  if (!kill.ok()) return;
  auto job = std::make_unique<Job>();
  job->started = clock_.Now();
  job->deadline = job->started + kill->timeout;
  job->command.line = kill->line;
  job->command.timeout = kill->timeout;
  job->wire_line = kill->line;
  job->marker_seen = true;
  queued_.push_front(std::move(job));
}

}  // namespace spark::ssh
