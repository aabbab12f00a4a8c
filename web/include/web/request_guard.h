#pragma once
// The HTTP-layer guards every request passes before its handler: Host allow-list,
// Origin check and bearer tokens on mutations, the per-client rate limit on report
// routes. Pure decisions over a request and the current config, so they are unit-tested
// without a server.

#include <optional>
#include <string>

#include "controller/config.h"
#include "web/http.h"
#include "web/rate_limiter.h"

namespace spark {

// 403 host_refused when http.allowed_hosts is set and Host is not in it.
std::optional<Response> CheckHost(const Request& request, const Config& config);
// 403 origin_refused when Origin is present and names neither the Host nor an allowed origin.
std::optional<Response> CheckOrigin(const Request& request, const Config& config);
// 401 unauthorized unless the bearer token matches (report routes also take the report
// token). Open when no token is configured for the route.
std::optional<Response> CheckToken(const Request& request, const Config& config, Access access);
// True when the request carries the admin or the report token (such reports are not limited).
bool HasAnyToken(const Request& request, const Config& config);
// 415 unless a non-empty body is declared application/json.
std::optional<Response> CheckContentType(const Request& request);

// The address rate limits apply to: the peer, or X-Forwarded-For's last hop when the peer
// is a trusted proxy.
std::string ClientAddress(const std::string& peer, std::string_view forwarded_for,
                          const Config& config);

// Constant-time comparison (no early exit on the first differing byte).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace spark
