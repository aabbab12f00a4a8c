#pragma once
// A small HTTP client for tests (libcurl): any method, headers, body; status, headers and
// body back. Plus a reader for SSE streams.

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace spark::test {

struct Reply {
  long status = 0;  // 0 = no HTTP answer (connection failed)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;
};

Reply Http(const std::string& method, const std::string& url, const std::string& body = {},
           std::vector<std::string> headers = {}, int timeout_ms = 5000);
inline Reply Get(const std::string& url) { return Http("GET", url); }
// POST/PUT with Content-Type: application/json.
Reply SendJson(const std::string& method, const std::string& url, const std::string& body,
               std::vector<std::string> headers = {});

// The `error.code` / `error.field` of an API error reply; empty when absent.
std::string ErrorCode(const Reply& reply);
std::string ErrorField(const Reply& reply);
// The value of the sample `series` (name and labels, exactly as exposed) in a /metrics text;
// -1 when absent.
double MetricValue(const std::string& metrics, const std::string& series);

// Reads an SSE stream, calling `done` with everything received so far after each chunk, until
// it returns true or `timeout_ms` passes. Returns everything read.
std::string ReadStream(const std::string& url, std::vector<std::string> headers, int timeout_ms,
                       std::function<bool(const std::string& so_far)> done);

}  // namespace spark::test
