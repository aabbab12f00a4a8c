#pragma once
// The fixed set of reasons a probe fails: free-form error text never becomes a label.

#include <array>
#include <optional>
#include <string_view>

namespace spark {

enum class FailureReason {
  kTimeout,
  kRefused,
  kReset,
  kHttpStatus,
  kBadBody,
  kDns,
  kNotConfigured,
};

inline constexpr std::array kAllFailureReasons = {
    FailureReason::kTimeout,       FailureReason::kRefused, FailureReason::kReset,
    FailureReason::kHttpStatus,    FailureReason::kBadBody, FailureReason::kDns,
    FailureReason::kNotConfigured,
};

// The label value of METRICS.md ("timeout", "refused", ...).
std::string_view FailureReasonName(FailureReason reason);
std::optional<FailureReason> ParseFailureReason(std::string_view name);

}  // namespace spark
