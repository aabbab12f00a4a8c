#pragma once
// The self-healing loop's decision for one service (issue 16, API.md "Recovery"), pure: from
// what the service should do (the job history's verdict), what holds it, its latest probe, the
// newest inspect of its container, its recent attempts and the `recovery` configuration at
// `now`, what state it is in and what the loop does next. The loop (recovery_loop.h) owns the
// memory between calls; nothing here reads a clock or does I/O. Thread-safe.

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "controller/config.h"
#include "controller/container_report.h"
#include "controller/recovery_status.h"
#include "exporter/failure_reason.h"

namespace spark {

using RecoveryConfig = std::remove_cvref_t<decltype(Config::recovery)>;

// How long a wait that learns nothing from the clock (the Spark unreachable, a container
// restarting or paused) waits before the container is inspected again.
inline constexpr Duration kRecoveryReinspect = std::chrono::seconds(10);
// A container that exited before its Spark's boot time plus this went down with the Spark.
inline constexpr Duration kRebootSlack = std::chrono::seconds(120);

// What the service should be doing, from the job history (recovery_wanted.h).
struct RecoveryWanted {
  enum class Kind { kRunning, kStopped, kNothing };
  Kind kind = Kind::kNothing;
  std::string model;   // vLLM, kRunning: the catalog id a relaunch starts
  std::string reason;  // kStopped / kNothing: why recovery leaves it alone
};

// The newest inspect of the service's container (recovery_commands.h), or why it failed.
struct RecoveryInspection {
  Result<ContainerReport> report = ContainerReport{};
  WallTime at{};  // when the inspect began
};

// What the loop does after a decision.
enum class RecoveryStep { kNothing, kInspect, kRelaunch, kDockerStart, kDockerRestart };

struct RecoveryInput {
  std::string service;    // "vllm", "parakeet", …
  std::string container;  // its container; "" = nothing to recover (off)
  std::string spark;      // where the container runs
  bool vllm = false;      // relaunched by a swap; its inspect reports engine_dead
  RecoveryConfig config;
  RecoveryWanted wanted;
  std::string hold;                // the running job that holds recovery ("swap j12 runs"), or ""
  std::optional<std::string> job;  // the recovery job running now
  std::optional<bool> up;          // the latest probe; nullopt before the first ended
  FailureReason down_reason = FailureReason::kNotConfigured;  // when up == false
  WallTime down_since{};                                      // when up became false
  std::optional<RecoveryInspection> inspection;               // the newest inspect
  std::vector<WallTime> attempts;                             // when attempts started, oldest first
  bool tripped = false;  // the breaker tripped (until Resume or a user job)
  WallTime now{};
};

struct RecoveryDecision {
  RecoveryState state = RecoveryState::kIdle;
  // The event's one word (waiting|recovering|tripped|skipped|held); "" = nothing to tell (also
  // while a running container has not answered for less than hung_s).
  std::string action;
  std::string reason;  // one sentence; "" = the previous reason still stands
  std::optional<WallTime> next_at;
  RecoveryStep step = RecoveryStep::kNothing;
  std::string model;  // kRelaunch: the catalog id
  int attempts = 0;   // attempts within window_s at `now`
};

// The decision table of issue 16's design. kInspect asks for a fresh inspect (none yet for this
// death, an attempt came after it, or a wait it asked for has passed); the loop runs it and
// decides again with it.
RecoveryDecision DecideRecovery(const RecoveryInput& input);

// The attempts that started within window_s before `now`.
int AttemptsInWindow(const std::vector<WallTime>& attempts, double window_s, WallTime now);

// "30 s", "2 min", "1 h 30 min": a wait as a person reads it.
std::string FormatWait(Duration wait);

}  // namespace spark
