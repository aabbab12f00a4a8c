#include "controller/recovery_status.h"

namespace spark {

std::string_view RecoveryStateName(RecoveryState state) {
  switch (state) {
    case RecoveryState::kIdle:
      return "idle";
    case RecoveryState::kWaiting:
      return "waiting";
    case RecoveryState::kRecovering:
      return "recovering";
    case RecoveryState::kTripped:
      return "tripped";
    case RecoveryState::kOff:
      return "off";
  }
  return "off";
}

}  // namespace spark
