#pragma once
// What the self-healing loop (recovery_loop.h) shows for one service: API.md "Recovery"'s
// `/api/status.recovery.SERVICE` and METRICS.md's spark_control_recovery_state. A value type.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "exporter/clock.h"

namespace spark {

// idle: nothing to do (up, held, stopped by the user); waiting: a death was seen, the next
// attempt starts at next_at (or the loop waits to learn more); recovering: a recovery job runs;
// tripped: max_failures attempts within window_s, no more until Resume; off: recovery disabled
// or the service has no container.
enum class RecoveryState { kIdle, kWaiting, kRecovering, kTripped, kOff };
inline constexpr std::array kAllRecoveryStates = {RecoveryState::kIdle, RecoveryState::kWaiting,
                                                  RecoveryState::kRecovering,
                                                  RecoveryState::kTripped, RecoveryState::kOff};

// idle|waiting|recovering|tripped|off (the API value and the metric's label).
std::string_view RecoveryStateName(RecoveryState state);

struct RecoveryStatus {
  RecoveryState state = RecoveryState::kOff;
  int attempts = 0;                 // attempts within window_s
  std::optional<WallTime> next_at;  // waiting: when the next attempt starts
  std::string last_reason;          // the newest decision's reason ("" before any)
  std::optional<std::string> job;   // recovering: the job's id
  bool operator==(const RecoveryStatus&) const = default;
};

}  // namespace spark
