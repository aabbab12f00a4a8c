#pragma once
// Outbound HTTP behind an interface: probes and the demo's clients use it, tests
// point it at real misbehaving servers on loopback.

#include <functional>
#include <memory>
#include <string>

#include "exporter/clock.h"
#include "exporter/failure_reason.h"

namespace spark {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::string body;                                    // sent as application/json when non-empty
  std::string bearer_token;                            // sent as Authorization when non-empty
  Duration timeout = std::chrono::milliseconds(1500);  // whole exchange
  size_t max_body_bytes = 1 << 20;                     // larger answers fail as bad_body
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Why an exchange produced no HTTP response, classified into the probe reasons.
struct HttpFailure {
  FailureReason reason;
  std::string message;  // human text, e.g. "connection refused (127.0.0.1:8888)"
};

// One exchange, either a response (any status) or a failure.
class HttpResult {
 public:
  HttpResult(HttpResponse r) : response_(std::move(r)), ok_(true) {}  // NOLINT
  HttpResult(HttpFailure f) : failure_(std::move(f)), ok_(false) {}   // NOLINT
  bool ok() const { return ok_; }
  const HttpResponse& response() const { return response_; }
  const HttpFailure& failure() const { return failure_; }

 private:
  HttpResponse response_;
  HttpFailure failure_{FailureReason::kReset, {}};
  bool ok_;
};

// Not thread-safe: each thread owns its own client (connections are reused per client).
// Names resolve IPv4 only (mDNS answers IPv6 first; vLLM binds IPv4).
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResult Send(const HttpRequest& request) = 0;
};

using HttpClientFactory = std::function<std::unique_ptr<HttpClient>()>;

// libcurl-backed client; never raises signals, honours the timeout for connect and transfer.
std::unique_ptr<HttpClient> MakeCurlHttpClient();

}  // namespace spark
