#pragma once
// Self-healing (issue 16, API.md "Recovery"): one thread per cluster that, every tick and when
// woken, looks at vLLM and every configured speech service — its latest probe, the job history,
// the `recovery` configuration — and acts on a death as recovery_policy.h decides: it inspects
// the container on its Spark (on this thread, bounded by the command's timeout), waits the
// backoff, then starts a recovery job through the Controller (a swap of the wanted model for
// vLLM, `docker start|restart` for a speech service), and trips the breaker after max_failures
// attempts within window_s. Every decision change is one connectivity event (type recovery)
// and a bump of `changes`.
//
// Thread-safety: every public member may be called from any thread. Snapshot, counts and
// version never wait on SSH or on the Controller (a copy under a mutex); Resume appends one
// event.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/background_runs.h"
#include "controller/config_store.h"
#include "controller/controller.h"
#include "controller/recovery_policy.h"
#include "controller/recovery_status.h"
#include "controller/remote_executor.h"
#include "exporter/change_feed.h"
#include "exporter/clock.h"
#include "exporter/event_log.h"
#include "exporter/snapshot.h"

namespace spark {

struct RecoveryDeps {
  RemoteExecutor& executor;  // the inspects
  Controller& controller;    // the job history and the recovery jobs
  std::function<ConfigPtr()> config;
  const Clock& clock;                     // the tick, the backoff, the window, the timestamps
  std::function<SnapshotPtr()> services;  // Poller::Current
  EventLog& events;
  std::string cluster;            // the events' cluster
  ChangeFeed* changes = nullptr;  // bumped when any RecoveryStatus changes
  Duration tick = std::chrono::seconds(1);
};

class RecoveryLoop {
 public:
  explicit RecoveryLoop(RecoveryDeps deps);  // starts its thread
  ~RecoveryLoop();                           // stops it; a running inspect is cancelled
  RecoveryLoop(const RecoveryLoop&) = delete;
  RecoveryLoop& operator=(const RecoveryLoop&) = delete;

  // vllm and every configured service (one the loop has not looked at yet: idle, or off).
  std::map<std::string, RecoveryStatus> Snapshot() const;
  struct Counts {
    std::map<std::string, std::map<std::string, uint64_t>> outcomes;
  };
  // service → succeeded|failed → recovery jobs that ended so (a cancelled one counts failed).
  Counts counts() const;
  // POST /api/recovery/{service}/resume: clears the attempts and the breaker, state idle, one
  // `resumed` event, and evaluates at once (a still-dead service gets its first attempt after
  // backoff_s[0]). not_found for a service that is not vllm or configured.
  Status Resume(const std::string& service);
  // From ControllerDeps::on_finished: evaluates soon (the loop reads the job's end itself).
  void JobFinished(const JobInfo& job);
  void Wake();  // re-evaluate now
  uint64_t version() const;

 private:
  // One service's state between rounds.
  struct Memory {
    std::vector<WallTime> attempts;  // when attempts started, within window_s
    bool tripped = false;
    std::optional<RecoveryInspection> inspection;  // the newest inspect
    std::optional<std::string> job;                // the recovery job running
    std::optional<std::string> user_job;           // the newest user job seen
    bool seen = false;                             // user_job was read once
    uint64_t epoch = 0;  // bumped by Resume: a round's result from before it is dropped
    std::string told;    // action and reason of the newest event (one event per change)
    RecoveryStatus status;
  };
  // A service as the configuration describes it: vllm first, then every configured one.
  struct Target {
    std::string service;
    std::string container;
    std::string spark;
    bool vllm = false;
  };
  struct RoundView;  // what one round read from the controller and the poller
  struct Outcome;    // what one service's evaluation changes

  static std::vector<Target> TargetsOf(const Config& config);

  void Loop();
  void Round();
  void Evaluate(const Target& target, const RoundView& view);
  // The input of the policy from `memory` (a copy) and the round.
  RecoveryInput InputFor(const Target& target, const RoundView& view, const Memory& memory) const;
  // A finished recovery job's outcome and the user's taking over, recorded in `memory` (mu_
  // held); the events to append.
  void Reconcile(const Target& target, const RoundView& view, Memory& memory,
                 std::vector<ConnectivityEvent>& events);
  RecoveryInspection Inspect(const Target& target);
  // Starts the recovery job `decision` asks for; on a refusal or failure, `decision` says so.
  std::optional<std::string> StartJob(const Target& target, RecoveryDecision& decision);
  // Records `outcome` (mu_ held) unless a Resume came since `epoch`; events to append.
  void Commit(const Target& target, Outcome outcome, std::vector<ConnectivityEvent>& events);
  ConnectivityEvent Event(const std::string& service, const std::string& action,
                          const std::string& reason) const;
  void Publish(std::vector<ConnectivityEvent> events);  // without mu_: append + bump

  RecoveryDeps deps_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable_any cv_;
  bool stop_ = false;
  bool wake_ = false;
  uint64_t version_ = 0;
  std::map<std::string, Memory> memory_;
  std::map<std::string, std::map<std::string, uint64_t>> outcomes_;
  BackgroundRuns runs_;  // the inspect under way, cancelled by the destructor
  std::thread thread_;   // last: starts once the members above exist
};

}  // namespace spark
