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

void Controller::Context::Measured(const JobProgress& progress) {
  std::lock_guard lock(owner_.mu_);
  JobProgress& now = record_->info.progress;
  const bool new_phase = now.phase != progress.phase;
  now = progress;
  if (new_phase) {
    owner_.Publish(*record_);
  } else {
    owner_.feed_.Bump();
  }
}

void Controller::Context::SetRemote(RemoteWork work) {
  std::lock_guard lock(owner_.mu_);
  record_->info.remote = std::move(work);
  owner_.Publish(*record_);
}

std::optional<RemoteWork> Controller::Context::remote() const {
  std::lock_guard lock(owner_.mu_);
  return record_->info.remote;
}

void Controller::Context::SetRequest(nlohmann::json request) {
  std::lock_guard lock(owner_.mu_);
  record_->info.request = std::move(request);
  owner_.Publish(*record_);
}

nlohmann::json Controller::Context::request() const {
  std::lock_guard lock(owner_.mu_);
  return record_->info.request;
}

void Controller::Context::SetResult(nlohmann::json result) {
  std::lock_guard lock(owner_.mu_);
  record_->info.result = std::move(result);
}

std::map<std::string, uint64_t> Controller::Context::BytesComingElsewhere() const {
  std::lock_guard lock(owner_.mu_);
  std::map<std::string, uint64_t> coming;
  for (const auto& other : owner_.jobs_) {
    const JobInfo& job = other->info;
    if (other == record_ || job.kind != JobKind::kDownload || IsFinished(job.state)) continue;
    if (!job.request.is_object()) continue;
    // The Hub's total is in the request from the moment the job passed its own check, before
    // its first measurement reaches progress.
    const auto size = job.request.find("size_bytes");
    const std::optional<uint64_t> total_bytes =
        job.progress.bytes_total ? job.progress.bytes_total
        : size != job.request.end() && size->is_number_unsigned()
            ? std::optional<uint64_t>(size->get<uint64_t>())
            : std::nullopt;
    if (!total_bytes) continue;
    const uint64_t total = *total_bytes;
    const uint64_t done = std::min(total, job.progress.bytes_done.value_or(0));
    // A download still on Spark 1 will also fill Spark 2 when it copies there.
    auto text = [&](const char* key) {
      const auto it = job.request.find(key);
      return it != job.request.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const std::string head = text("spark");
    const std::string copy = text("copy_spark");
    if (job.progress.phase == "downloading" && !head.empty()) coming[head] += total - done;
    if (!copy.empty()) coming[copy] += job.progress.phase == "copying" ? total - done : total;
  }
  return coming;
}

JobInfo Controller::Context::info() const {
  std::lock_guard lock(owner_.mu_);
  return record_->info;
}

bool Controller::Context::stopping() const {
  std::lock_guard lock(owner_.mu_);
  return owner_.stopping_;
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
