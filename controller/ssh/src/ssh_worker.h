#pragma once
// Private to SshExecutor: the thread that owns one Spark's SSH session and runs every command
// for that Spark as a channel on it. Command deadlines, keepalives, backoff and wind-down run on
// the injected Clock; connecting and authenticating are network waits, bounded in real time.
// Public methods are thread-safe; everything else runs on the worker thread only.

#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/remote_executor.h"
#include "controller/ssh_executor.h"
#include "ssh_session.h"

namespace spark::ssh {

struct WorkerSettings {
  std::optional<SshLogin> login;
  std::filesystem::path key_path;
  std::filesystem::path known_hosts;
  Duration connect_timeout{};
  Duration keepalive_interval{};
  Duration max_backoff{};
  int max_channels = 8;
  Duration wind_down = std::chrono::seconds(10);
};

class SparkWorker {
 public:
  SparkWorker(std::string spark, WorkerSettings settings, const Clock& clock);
  ~SparkWorker();  // every command ends `cancelled`; joins
  SparkWorker(const SparkWorker&) = delete;
  SparkWorker& operator=(const SparkWorker&) = delete;

  std::shared_ptr<RemoteRun> Start(RemoteCommand command);
  Status ConfirmHostKey(const std::string& fingerprint, Duration timeout);
  void Reconfigure(WorkerSettings settings);

 private:
  enum class Phase { kQueued, kOpening, kExec, kReading, kClosing, kWaitClosed, kDone };
  enum class Step { kIdle, kProgress, kSessionLost };
  struct Job {
    std::shared_ptr<RemoteRun> run;  // null for internal kill commands
    RemoteCommand command;
    std::string wire_line;  // what the remote shell receives
    SteadyTime started{};
    SteadyTime deadline{};
    Phase phase = Phase::kQueued;
    std::unique_ptr<Channel> channel;
    LineSplitter out;
    LineSplitter err;
    long session_id = 0;
    bool marker_seen = false;
    bool retried = false;  // reconnected once because the session died before the channel opened
    // Its outcome is out (cancel/timeout); only the channel is being wound down, until
    // `wind_down_until`: past it the session no longer answers for it and is dropped.
    bool aborted = false;
    SteadyTime wind_down_until{};
    bool internal() const { return run == nullptr; }
  };
  struct Confirm {
    std::string fingerprint;
    SteadyTime deadline;
    std::promise<Status> result;
  };

  void Loop();
  bool TakeIncoming();  // false once stopping
  void ExpireJobs(SteadyTime now);
  void Abort(Job& job, Status why);
  void FailQueued(const RemoteOutcome& outcome, SteadyTime wait_until);
  bool Wanted() const { return !queued_.empty() || !confirms_.empty(); }
  void Connect();  // ssh_worker_link.cc, as are the members down to DropConnection
  SteadyTime ConnectDeadline() const;
  bool ConnectAbandoned();
  Status CheckHostKey(SshConnection& conn);
  void Connected(std::unique_ptr<SshConnection> conn, const SshLogin& login);
  void ConnectFailed(const RemoteOutcome& failure);
  void ResolveConfirms();
  void KeepAlive(SteadyTime now);
  void DropConnection(const std::string& why);  // (the end of ssh_worker_link.cc)
  void StartQueued();
  void Sweep();
  Step Advance(Job& job);
  Step ReadOutput(Job& job);
  void EmitLine(Job& job, RemoteStream stream, std::string_view line);
  void Complete(Job& job);
  void Finish(Job& job, RemoteOutcome outcome);
  void EnqueueKill(long session_id);
  void WaitForWork();
  void Shutdown();
  std::string Describe(const Job& job) const;

  const std::string spark_;
  const Clock& clock_;
  const std::shared_ptr<Wakeup> wake_ = std::make_shared<Wakeup>();
  // A clock that jumps (a test's) wakes the loop to look at its deadlines again.
  const std::unique_ptr<ClockWatch> clock_watch_;

  std::mutex mu_;  // guards the hand-over fields below
  bool stop_ = false;
  std::vector<std::unique_ptr<Job>> incoming_;
  std::vector<std::shared_ptr<Confirm>> incoming_confirms_;
  std::optional<WorkerSettings> new_settings_;

  // Worker thread only.
  WorkerSettings settings_;
  std::unique_ptr<SshConnection> conn_;
  std::deque<std::unique_ptr<Job>> queued_;
  std::vector<std::unique_ptr<Job>> active_;
  std::vector<std::shared_ptr<Confirm>> confirms_;
  Job* opener_ = nullptr;  // the one job opening a channel (libssh2 keeps that state per session)
  Job* send_owner_ = nullptr;  // the job whose packet is half sent: only it may send until done
  Duration backoff_{};
  SteadyTime next_attempt_{};
  std::optional<RemoteOutcome> last_error_;
  SteadyTime next_keepalive_{};
  bool peer_closed_ = false;
  bool more_ = false;  // the last sweep stopped early with work left
  // ReadOutput's buffer, allocated at the first read. Not a thread_local: static TLS is set up
  // in every thread of the process (~100 CivetWeb threads), 32 KiB of resident memory each.
  std::vector<char> read_buffer_;

  std::thread thread_;  // last: starts after every field above is ready
};

}  // namespace spark::ssh
