#include "controller/remote_executor.h"

#include <chrono>

namespace spark {

RemoteRun::RemoteRun(std::function<void()> wake) : wake_(std::move(wake)) {}

void RemoteRun::Cancel() {
  {
    std::lock_guard lock(mu_);
    if (cancel_ || outcome_) return;
    cancel_ = true;
  }
  if (wake_) wake_();
}

RemoteOutcome RemoteRun::Wait() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return outcome_.has_value(); });
  return *outcome_;
}

std::optional<RemoteOutcome> RemoteRun::WaitFor(Duration max) const {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, max, [&] { return outcome_.has_value(); })) return std::nullopt;
  return *outcome_;
}

std::optional<RemoteOutcome> RemoteRun::WaitUntil(const Clock& clock, SteadyTime deadline) const {
  std::unique_lock lock(mu_);
  if (!clock.WaitUntil(lock, cv_, deadline, [&] { return outcome_.has_value(); })) {
    return std::nullopt;
  }
  return *outcome_;
}

bool RemoteRun::finished() const {
  std::lock_guard lock(mu_);
  return outcome_.has_value();
}

bool RemoteRun::cancel_requested() const {
  std::lock_guard lock(mu_);
  return cancel_;
}

void RemoteRun::OnFinish(std::function<void(const RemoteOutcome&)> hook) {
  std::unique_lock lock(mu_);
  if (!outcome_) {
    on_finish_ = std::move(hook);
    return;
  }
  const RemoteOutcome outcome = *outcome_;
  lock.unlock();
  hook(outcome);
}

bool RemoteRun::Finish(RemoteOutcome outcome) {
  std::function<void(const RemoteOutcome&)> hook;
  {
    std::lock_guard lock(mu_);
    if (outcome_) return false;
    outcome_ = outcome;
    hook = std::move(on_finish_);
  }
  cv_.notify_all();
  if (hook) hook(outcome);
  return true;
}

CollectedOutput RunCollecting(RemoteCommand command,
                              const std::function<RemoteOutcome(RemoteCommand)>& run) {
  // The callback runs on the executor's thread, but Wait() orders every call before it returns.
  auto collected = std::make_shared<CollectedOutput>();
  LineCallback inner = std::move(command.on_line);
  command.on_line = [collected, inner](RemoteStream stream, std::string_view line) {
    (stream == RemoteStream::kStdout ? collected->stdout_lines : collected->stderr_lines)
        .emplace_back(line);
    if (inner) inner(stream, line);
  };
  collected->outcome = run(std::move(command));
  return std::move(*collected);
}

std::string CollectedOutput::StdoutText() const {
  std::string text;
  for (const std::string& line : stdout_lines) text += line + "\n";
  return text;
}

CollectedOutput RunCollecting(RemoteExecutor& executor, RemoteCommand command) {
  return RunCollecting(std::move(command),
                       [&executor](RemoteCommand c) { return executor.Run(std::move(c)); });
}

void LineSplitter::Feed(std::string_view bytes, const std::function<void(std::string_view)>& emit) {
  for (char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // the \n of a \r\n: the line went out at the \r
    }
    if (c == '\n' || c == '\r') {
      emit(partial_);
      partial_.clear();
      after_cr_ = c == '\r';
      continue;
    }
    partial_ += c;
    if (partial_.size() >= kMaxLine) {
      emit(partial_);
      partial_.clear();
    }
  }
}

void LineSplitter::Flush(const std::function<void(std::string_view)>& emit) {
  if (!partial_.empty()) emit(partial_);
  partial_.clear();
  after_cr_ = false;
}

}  // namespace spark
