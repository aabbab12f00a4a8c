#include "demo/simulated_executor.h"

#include <algorithm>
#include <chrono>

namespace spark {

SimulatedScript SimulatedScript::Print(std::vector<std::string> stdout_lines, Duration gap,
                                       int exit_code) {
  SimulatedScript script;
  for (auto& text : stdout_lines)
    script.lines.push_back({gap, RemoteStream::kStdout, std::move(text), {}});
  script.exit_code = exit_code;
  return script;
}

SimulatedScript SimulatedScript::Fail(Status error) {
  SimulatedScript script;
  script.end = End::kError;
  script.error = std::move(error);
  return script;
}

SimulatedExecutor::SimulatedExecutor(const Clock& clock, double time_scale)
    : clock_(clock), time_scale_(time_scale) {}

SimulatedExecutor::~SimulatedExecutor() {
  {
    std::lock_guard lock(signal_->mu);
    signal_->stopping = true;
  }
  signal_->cv.notify_all();
  std::vector<Player> players;
  {
    std::lock_guard lock(mu_);
    players.swap(players_);
  }
  for (auto& p : players) p.thread.join();
}

void SimulatedExecutor::On(std::string pattern, SimulatedScript script) {
  On(std::move(pattern), [script](const RemoteCommand&) { return script; });
}

void SimulatedExecutor::On(std::string pattern, ScriptFor script) {
  std::lock_guard lock(mu_);
  rules_.emplace_back(std::move(pattern), std::move(script));
}

void SimulatedExecutor::SetHostKey(const std::string& spark, HostKeyState state,
                                   std::string fingerprint) {
  std::lock_guard lock(mu_);
  host_keys_[spark] = {state, std::move(fingerprint)};
}

std::vector<RecordedCommand> SimulatedExecutor::commands() const {
  std::lock_guard lock(mu_);
  return commands_;
}

void SimulatedExecutor::ReapFinishedLocked() {
  for (auto it = players_.begin(); it != players_.end();) {
    if (*it->done) {
      it->thread.join();
      it = players_.erase(it);
    } else {
      ++it;
    }
  }
}

std::shared_ptr<RemoteRun> SimulatedExecutor::Start(RemoteCommand command) {
  const SteadyTime started = clock_.Now();
  auto run = std::make_shared<RemoteRun>([signal = signal_] {
    std::lock_guard lock(signal->mu);
    signal->cv.notify_all();
  });
  ScriptFor rule;
  HostKey key;
  {
    std::lock_guard lock(mu_);
    ReapFinishedLocked();
    commands_.push_back({command.spark, command.line, command.timeout});
    if (auto it = host_keys_.find(command.spark); it != host_keys_.end()) key = it->second;
    for (auto r = rules_.rbegin(); r != rules_.rend(); ++r) {
      if (r->first.empty() || command.line.find(r->first) != std::string::npos) {
        rule = r->second;
        break;
      }
    }
  }
  if (key.state != HostKeyState::kKnown) {
    const Status status =
        key.state == HostKeyState::kUnknown
            ? Status::Error(ErrorCode::kHostKeyUnknown, "first connection to " + command.spark +
                                                            ": it presents ED25519 key " +
                                                            key.fingerprint)
            : Status::Error(ErrorCode::kHostKeyMismatch,
                            "the host key of " + command.spark +
                                " changed: it now presents ED25519 key " + key.fingerprint);
    run->Finish(RemoteOutcome::Failed(status, key.fingerprint));
    return run;
  }
  // The rule runs outside the lock: it may keep state of its own (the demo cluster).
  SimulatedScript script = rule ? rule(command) : SimulatedScript{};
  auto done = std::make_shared<bool>(false);
  std::lock_guard lock(mu_);
  players_.push_back({std::thread([this, run, command = std::move(command),
                                   script = std::move(script), started, done] {
                        Play(run, command, script, started);
                        std::lock_guard inner(mu_);
                        *done = true;
                      }),
                      done});
  return run;
}

Status SimulatedExecutor::ConfirmHostKey(const std::string& spark, const std::string& fingerprint,
                                         Duration) {
  std::lock_guard lock(mu_);
  HostKey& key = host_keys_[spark];
  if (key.fingerprint != fingerprint) {
    return Status::Error(ErrorCode::kConflict, spark + " presents ED25519 key " + key.fingerprint +
                                                   ", not " + fingerprint);
  }
  key.state = HostKeyState::kKnown;
  return Status::Ok();
}

std::optional<RemoteOutcome> SimulatedExecutor::Sleep(const RemoteRun& run, SteadyTime until,
                                                      SteadyTime deadline,
                                                      const RemoteCommand& command) {
  std::unique_lock lock(signal_->mu);
  clock_.WaitUntil(lock, signal_->cv, std::min(until, deadline),
                   [&] { return signal_->stopping || run.cancel_requested(); });
  if (signal_->stopping || run.cancel_requested()) {
    return RemoteOutcome::Failed(
        Status::Error(ErrorCode::kCancelled, "cancelled; the remote command was stopped"));
  }
  if (clock_.Now() >= deadline) {
    return RemoteOutcome::Failed(Status::Error(
        ErrorCode::kTimeout, "the command on " + command.spark + " did not finish within " +
                                 std::to_string(static_cast<long long>(Seconds(command.timeout))) +
                                 " s; it was stopped"));
  }
  return std::nullopt;
}

void SimulatedExecutor::Play(const std::shared_ptr<RemoteRun>& run, const RemoteCommand& command,
                             const SimulatedScript& script, SteadyTime started) {
  const SteadyTime deadline = started + command.timeout;
  auto finish = [&](RemoteOutcome outcome) {
    outcome.duration = clock_.Now() - started;
    run->Finish(std::move(outcome));
  };
  SteadyTime at = started;
  for (const auto& line : script.lines) {
    at += std::chrono::duration_cast<Duration>(line.delay * time_scale_);
    if (auto end = Sleep(*run, at, deadline, command)) return finish(std::move(*end));
    if (line.effect) line.effect();
    if (command.on_line) command.on_line(line.stream, line.text);
  }
  RemoteOutcome outcome;
  switch (script.end) {
    case SimulatedScript::End::kExit:
      if (auto end = Sleep(*run, clock_.Now(), deadline, command)) return finish(std::move(*end));
      outcome.exit_code = script.exit_code;
      if (script.exit_code != 0) {
        outcome.status =
            Status::Error(ErrorCode::kRemoteCommandFailed,
                          "`" + command.line + "` on " + command.spark + " exited with status " +
                              std::to_string(script.exit_code));
      }
      return finish(std::move(outcome));
    case SimulatedScript::End::kHang:
      return finish(*Sleep(*run, SteadyTime::max(), deadline, command));
    case SimulatedScript::End::kError:
      outcome.status = script.error;
      outcome.fingerprint = script.fingerprint;
      return finish(std::move(outcome));
  }
}

}  // namespace spark
