#include "controller/ssh_health.h"

namespace spark {

void SshHealth::Record(const std::string& spark, const RemoteOutcome& outcome) {
  const std::optional<ErrorCode> code = outcome.status.code();
  const bool reached = outcome.status.ok() || code == ErrorCode::kRemoteCommandFailed;
  const bool down = code == ErrorCode::kSshUnreachable || code == ErrorCode::kSshAuthFailed ||
                    code == ErrorCode::kHostKeyUnknown || code == ErrorCode::kHostKeyMismatch ||
                    code == ErrorCode::kNotConfigured;
  if (!reached && !down) return;
  bool shown_changed = false;
  {
    std::lock_guard lock(mu_);
    ++version_;
    SparkSshState& state = sparks_[spark];
    const std::string code_name = reached ? "" : std::string(outcome.status.code_name());
    const std::string message = reached ? "" : outcome.status.message();
    const std::string fingerprint = reached ? "" : outcome.fingerprint;
    shown_changed = state.up != reached || state.code != code_name || state.message != message ||
                    state.fingerprint != fingerprint;
    state.up = reached;
    state.code = code_name;
    state.message = message;
    state.fingerprint = fingerprint;
    if (reached) state.durations.Observe(std::chrono::duration<double>(outcome.duration).count());
  }
  if (shown_changed) feed_.Bump();
}

std::map<std::string, SparkSshState> SshHealth::Snapshot() const {
  std::lock_guard lock(mu_);
  return sparks_;
}

uint64_t SshHealth::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

std::shared_ptr<RemoteRun> MonitoredExecutor::Start(RemoteCommand command) {
  const std::string spark = command.spark;
  auto run = inner_.Start(std::move(command));
  run->OnFinish([this, spark](const RemoteOutcome& outcome) { health_.Record(spark, outcome); });
  return run;
}

Status MonitoredExecutor::ConfirmHostKey(const std::string& spark, const std::string& fingerprint,
                                         Duration timeout) {
  return inner_.ConfirmHostKey(spark, fingerprint, timeout);
}

SshHeartbeat::SshHeartbeat(RemoteExecutor& executor,
                           std::function<std::vector<std::string>()> sparks, Duration interval)
    : executor_(executor), sparks_(std::move(sparks)), interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

SshHeartbeat::~SshHeartbeat() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SshHeartbeat::Poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

void SshHeartbeat::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, interval_, [&] { return stop_ || poked_; });
    if (stop_) break;
    poked_ = false;
    lock.unlock();
    std::vector<std::shared_ptr<RemoteRun>> runs;
    for (const auto& spark : sparks_()) {
      runs.push_back(executor_.Start({spark, "true", std::chrono::seconds(20), {}}));
    }
    for (const auto& run : runs) {
      // Shutdown must not wait for a Spark that does not answer.
      while (!run->WaitFor(std::chrono::milliseconds(200))) {
        std::lock_guard stop_lock(mu_);
        if (stop_) {
          run->Cancel();
          break;
        }
      }
    }
    lock.lock();
  }
}

}  // namespace spark
