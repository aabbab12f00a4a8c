#include "exporter/failure_reason.h"

namespace spark {

std::string_view FailureReasonName(FailureReason reason) {
  switch (reason) {
    case FailureReason::kTimeout:
      return "timeout";
    case FailureReason::kRefused:
      return "refused";
    case FailureReason::kReset:
      return "reset";
    case FailureReason::kHttpStatus:
      return "http_status";
    case FailureReason::kBadBody:
      return "bad_body";
    case FailureReason::kDns:
      return "dns";
    case FailureReason::kNotConfigured:
      return "not_configured";
  }
  return "unknown";
}

std::optional<FailureReason> ParseFailureReason(std::string_view name) {
  for (FailureReason r : kAllFailureReasons) {
    if (FailureReasonName(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace spark
