#pragma once
// The response recorder of the integration tests: every response (the body of a JSON one, the
// content type of any other) and every SSE frame the test HTTP helper (support/http.h)
// receives is appended as one JSON line to the file named by
// the environment variable SPARK_RESPONSE_LOG, for tests/openapi/validate_responses.py to check
// against docs/openapi.yaml after the suite. Nothing is recorded when the variable is unset.

#include <cstddef>
#include <mutex>
#include <string>

namespace spark::test {

// Lines: {"method", "path", "status", "body"} for a JSON response (body as text), {"method",
// "path", "status", "content_type"} for any other, {"method", "path", "status", "event",
// "data"} for an SSE frame, and one {"truncated": true} when the file reached its limit
// (nothing is recorded after it).
// Thread-safe: one mutex, one write(2) per line on an O_APPEND descriptor, so the test
// processes ctest runs side by side do not interleave lines.
class ResponseLog {
 public:
  static constexpr size_t kLimitBytes = size_t{64} << 20;

  // Appends to `path` (created if missing); an empty path, or one that cannot be opened,
  // records nothing.
  explicit ResponseLog(const std::string& path, size_t limit_bytes = kLimitBytes);
  ~ResponseLog();
  ResponseLog(const ResponseLog&) = delete;
  ResponseLog& operator=(const ResponseLog&) = delete;

  // The log of this process: SPARK_RESPONSE_LOG, read once.
  static ResponseLog& FromEnvironment();

  // Records `body` when `content_type` is JSON (application/json or a +json type), else only
  // `content_type` ("" when the response had none); nothing when no HTTP answer came (0).
  void RecordResponse(const std::string& method, const std::string& url, long status,
                      const std::string& content_type, const std::string& body);
  // Records each complete frame (ended by a blank line) of the SSE text `stream`: its event
  // name ("message" when it has none) and its data lines joined by "\n"; comments are skipped.
  void RecordStream(const std::string& url, long status, const std::string& stream);

 private:
  void Append(const std::string& line);

  std::mutex mu_;
  int fd_ = -1;
  size_t limit_bytes_;
  bool full_ = false;
};

// The request path of `url`: without scheme, authority, query and fragment ("/" at least).
std::string RequestPath(const std::string& url);
// Whether a Content-Type value names a JSON body.
bool IsJsonContentType(const std::string& content_type);

}  // namespace spark::test
