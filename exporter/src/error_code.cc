#include "exporter/error_code.h"

#include <array>
#include <ostream>

namespace spark {
namespace {

using enum ErrorCode;

constexpr std::array<ErrorCodeInfo, static_cast<size_t>(kInternal) + 1> kTable = {{
    {kInvalidJson, "invalid_json", 400},
    {kMissingField, "missing_field", 400},
    {kInvalidField, "invalid_field", 400},
    {kUnknownService, "unknown_service", 400},
    {kUnknownModel, "unknown_model", 400},
    {kInvalidConfig, "invalid_config", 400},
    {kInvalidEvent, "invalid_event", 400},
    {kInvalidListen, "invalid_listen", 400},
    {kUnauthorized, "unauthorized", 401},
    {kOriginRefused, "origin_refused", 403},
    {kHostRefused, "host_refused", 403},
    {kNotFound, "not_found", 404},
    {kMethodNotAllowed, "method_not_allowed", 405},
    {kSwapRunning, "swap_running", 409},
    {kJobRunning, "job_running", 409},
    {kPinned, "pinned", 409},
    {kBundledModel, "bundled_model", 409},
    {kConflict, "conflict", 409},
    {kNoPreviousImage, "no_previous_image", 409},
    {kModelInUse, "model_in_use", 409},
    {kHostKeyUnknown, "host_key_unknown", 409},
    {kHostKeyMismatch, "host_key_mismatch", 409},
    {kBodyTooLarge, "body_too_large", 413},
    {kUnsupportedMediaType, "unsupported_media_type", 415},
    {kRateLimited, "rate_limited", 429},
    {kRemoteCommandFailed, "remote_command_failed", 502},
    {kEngineFailed, "engine_failed", 502},
    {kSshAuthFailed, "ssh_auth_failed", 502},
    {kAuthRequired, "auth_required", 502},
    {kNotConfigured, "not_configured", 503},
    {kOverloaded, "overloaded", 503},
    {kStorageFailed, "storage_failed", 503},
    {kDiskFull, "disk_full", 503},
    {kSshUnreachable, "ssh_unreachable", 503},
    {kIoError, "io_error", 503},
    {kInvalidFile, "invalid_file", 503},
    {kCancelled, "cancelled", 503},
    {kInterrupted, "interrupted", 503},
    {kListenFailed, "listen_failed", 503},
    {kTimeout, "timeout", 504},
    {kSilentLog, "silent_log", 504},
    {kInternal, "internal", 500},
}};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].code) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "kTable lists every ErrorCode once, in enum order");

}  // namespace

std::span<const ErrorCodeInfo> ErrorCodeTable() { return kTable; }

std::string_view ErrorCodeName(ErrorCode code) { return kTable[static_cast<size_t>(code)].name; }

int HttpStatusOf(ErrorCode code) { return kTable[static_cast<size_t>(code)].http_status; }

std::optional<ErrorCode> ErrorCodeNamed(std::string_view name) {
  for (const ErrorCodeInfo& info : kTable) {
    if (info.name == name) return info.code;
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, ErrorCode code) { return out << ErrorCodeName(code); }

}  // namespace spark
