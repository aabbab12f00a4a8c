#pragma once
// Every error code spark-control answers or records, with its wire name (the snake_case
// `error.code` of API.md) and its HTTP status, in one table. docs/api.md "Error codes" lists
// them all with where each appears; docs/openapi.yaml's Error schema names the same codes.
// Only kInternal maps to 500: nothing else can reach a 500. Immutable; thread-safe.

#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>

namespace spark {

enum class ErrorCode {
  // 400: the request is at fault.
  kInvalidJson,
  kMissingField,
  kInvalidField,
  kUnknownService,
  kUnknownModel,
  kInvalidConfig,
  kInvalidEvent,
  kInvalidListen,
  kUnauthorized,      // 401
  kOriginRefused,     // 403
  kHostRefused,       // 403
  kNotFound,          // 404
  kMethodNotAllowed,  // 405
  kSwapRunning,       // 409: the state of the cluster or the catalog refuses it
  kJobRunning,
  kPinned,
  kBundledModel,
  kConflict,
  kNoPreviousImage,
  kModelInUse,
  kHostKeyUnknown,  // 409: the user must confirm the host key first
  kHostKeyMismatch,
  kBodyTooLarge,          // 413
  kUnsupportedMediaType,  // 415
  kRateLimited,           // 429
  kRemoteCommandFailed,   // 502: a Spark answered, the work failed
  kEngineFailed,
  kSshAuthFailed,
  kAuthRequired,
  kNotConfigured,  // 503: cannot be served now; a retry (or a setting) may help
  kOverloaded,
  kStorageFailed,
  kDiskFull,
  kSshUnreachable,
  kIoError,
  kInvalidFile,
  kCancelled,
  kInterrupted,
  kListenFailed,
  kTimeout,  // 504: a Spark or vLLM did not finish in time
  kSilentLog,
  kInternal,  // 500: a defect, never an input
};

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;  // the wire name
  int http_status;
};

// The whole table, in enum order.
std::span<const ErrorCodeInfo> ErrorCodeTable();
std::string_view ErrorCodeName(ErrorCode code);
int HttpStatusOf(ErrorCode code);
// The code whose wire name is `name`; nullopt for a name the table does not hold.
std::optional<ErrorCode> ErrorCodeNamed(std::string_view name);
// Writes the wire name (test failure messages, logs).
std::ostream& operator<<(std::ostream& out, ErrorCode code);

}  // namespace spark
