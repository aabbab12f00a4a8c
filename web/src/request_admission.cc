// The admission phases of a request: site and origin checks, the bearer token behind its
// throttle, the report rate limit, and the body read under its cap.
#include <strings.h>

#include <algorithm>
#include <cmath>

#include "http_exchange.h"
#include "web/json_api.h"
#include "web/request_guard.h"

namespace spark {
namespace {

bool HasBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

// Bodies are read in pieces of this size: a chunked body (no Content-Length) grows as it
// arrives instead of being allocated at the route's limit, and each read's stall bound
// (kRequestTimeoutMs) applies per piece, not to a whole 16 MB upload.
constexpr size_t kReadPiece = 64 * 1024;

Response TooManyRequests(std::string message, double wait_s) {
  Response response = ErrorResponse(ErrorCode::kRateLimited, message);
  response.headers.emplace_back("Retry-After",
                                std::to_string(std::max(1L, static_cast<long>(std::ceil(wait_s)))));
  return response;
}

}  // namespace

std::optional<Response> HttpServer::CheckAccess(Exchange& x, const Route& route) {
  if (route.access == Access::kRead) return std::nullopt;
  const bool token_valid = TokenValid(x.request, *x.config, route.access);
  if (auto refused = CheckSite(x.request, *x.config, site_, route.access, token_valid)) {
    return refused;
  }
  if (auto refused = CheckAuth(x, route)) return refused;
  if (route.access != Access::kReport || HasAnyToken(x.request, *x.config)) return std::nullopt;
  const double wait = limiter_.Take(x.request.client, x.config->limits.report_rate_per_client,
                                    x.config->limits.report_burst);
  if (wait <= 0) return std::nullopt;
  if (hooks_.on_rate_limited) hooks_.on_rate_limited();
  return TooManyRequests("too many reports from this client; retry later", wait);
}

// The bearer token, behind the throttle of repeated failures from one client address.
std::optional<Response> HttpServer::CheckAuth(Exchange& x, const Route& route) {
  const Config& config = *x.config;
  const bool guarded =
      config.auth.token || (route.access == Access::kReport && config.auth.report_token);
  if (!guarded) return std::nullopt;
  const std::string& client = x.request.client;
  if (const double wait = auth_throttle_.Blocked(client); wait > 0) {
    return TooManyRequests(
        "too many requests with a missing or wrong token from this address; "
        "retry later",
        wait);
  }
  if (auto refused = CheckToken(x.request, config, route.access)) {
    auth_throttle_.Failed(client);
    return refused;
  }
  auth_throttle_.Succeeded(client);
  return std::nullopt;
}

// Caps the body before reading it (a declared length over the cap is refused unread, before
// any "100 Continue") and requires JSON on guarded routes.
std::optional<Response> HttpServer::ReadBody(Exchange& x, const Route& route, long long declared) {
  if (!HasBody(x.request.method)) return std::nullopt;
  const size_t limit = route.body_limit ? route.body_limit(*x.config)
                                        : static_cast<size_t>(x.config->limits.max_body_bytes);
  auto too_large = [&] {
    x.keep_alive = false;  // the rest of the body stays unread
    return ErrorResponse(ErrorCode::kBodyTooLarge,
                         "the body is larger than " + std::to_string(limit) + " bytes");
  };
  if (declared > static_cast<long long>(limit)) return too_large();
  // CivetWeb does not answer "Expect: 100-continue" for callback handlers, and clients that
  // send it (curl does above 1 MiB) would wait their timeout (curl: 1 s) before the body.
  if (strcasecmp(std::string(x.request.Header("Expect")).c_str(), "100-continue") == 0) {
    constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    mg_write(x.conn, kContinue.data(), kContinue.size());
  }
  // A declared length is at most the limit; a chunked body may run one byte past it, which
  // is how an oversized one is told apart.
  const size_t want = declared >= 0 ? static_cast<size_t>(declared) : limit + 1;
  std::string& body = x.request.body;
  if (declared >= 0) body.reserve(want);
  size_t got = 0;
  while (got < want) {
    const size_t piece = std::min(kReadPiece, want - got);
    body.resize(got + piece);
    const int n = mg_read(x.conn, body.data() + got, piece);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  body.resize(got);
  if (got > limit) return too_large();
  if (route.access != Access::kRead) return CheckContentType(x.request);
  return std::nullopt;
}

}  // namespace spark
