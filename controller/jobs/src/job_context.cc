#include "job_context.h"

namespace spark {

void Controller::Context::Log(LogStream stream, std::string_view text) {
  {
    std::lock_guard lock(owner_.mu_);
    record_->log.Append(clock().WallNow(), stream, std::string(text));
  }
  owner_.feed_.Bump();
}

void Controller::Context::Phase(std::string_view phase, std::optional<double> percent) {
  std::lock_guard lock(owner_.mu_);
  JobProgress& progress = record_->info.progress;
  const bool new_phase = progress.phase != phase;
  if (!new_phase && progress.percent == percent) return;
  progress.phase = std::string(phase);
  progress.percent = percent;
  if (new_phase) {
    owner_.Publish(*record_);
  } else {
    owner_.feed_.Bump();
  }
}

bool Controller::Context::cancelled() const {
  std::lock_guard lock(owner_.mu_);
  return record_->cancel;
}

std::shared_ptr<RemoteRun> Controller::Context::Start(RemoteCommand command, bool cleanup,
                                                      bool log_lines) {
  if (log_lines) {
    LineCallback inner = std::move(command.on_line);
    command.on_line = [this, inner](RemoteStream stream, std::string_view line) {
      Log(stream == RemoteStream::kStdout ? LogStream::kStdout : LogStream::kStderr, line);
      if (inner) inner(stream, line);
    };
  }
  std::lock_guard lock(owner_.mu_);
  if (record_->cancel && (!cleanup || owner_.stopping_)) {
    auto run = std::make_shared<RemoteRun>();
    run->Finish(
        RemoteOutcome::Failed(Status::Error(ErrorCode::kCancelled, "cancelled by the user")));
    return run;
  }
  // Starting under the lock orders it with Cancel: a cancel either sees this run or came
  // before it (and then only clean-up starts).
  auto run = owner_.deps_.executor.Start(std::move(command));
  record_->remote = run;
  return run;
}

Status Controller::Context::Failure(const RemoteOutcome& outcome, std::string_view what) {
  if (!outcome.fingerprint.empty()) {
    std::lock_guard lock(owner_.mu_);
    record_->fingerprint = outcome.fingerprint;
  }
  const Status& s = outcome.status;
  if (s.code() == ErrorCode::kCancelled) return s;
  return Status::Error(*s.code(), std::string(what) + ": " + s.message());
}

}  // namespace spark
