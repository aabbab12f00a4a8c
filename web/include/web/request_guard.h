#pragma once
// The HTTP-layer guards every request passes before its handler (API.md "Mutating endpoints"
// and "Cross-site default"): the Host rules against DNS rebinding, the Origin check, bearer
// tokens. Pure decisions over a request, the current config and what the server knows about
// its own names, so they are unit-tested without a server.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/config.h"
#include "web/http.h"

namespace spark {

// What the server knows about the names it is reached under (fixed at start).
struct Site {
  std::string listen_host;              // the IPv4 address of --listen, e.g. "0.0.0.0"
  std::vector<std::string> host_names;  // the machine's own names, lower case (OwnHostNames)
};

// Who sent a request and under which name, as far as the config lets us believe proxies:
// X-Forwarded-For/-Host/-Proto count only when the socket peer is in http.trusted_proxies.
struct Sender {
  std::string client;  // the peer, or X-Forwarded-For's last hop
  std::string host;    // Host, or X-Forwarded-Host's last value (lower case, port kept)
  std::string scheme;  // "http"/"https" from X-Forwarded-Proto; empty when unknown
};
Sender ResolveSender(const Request& request, const Config& config);

// Whether `host` ("name" or "name:port") is a name this server answers to without being
// told: an IP literal, localhost, the listen address, one of site.host_names, or a name in
// http.allowed_hosts.
bool HostAdmitted(std::string_view host, const Config& config, const Site& site);

// True when a browser sent the request: it carries Origin or Sec-Fetch-Site (scripts and LAN
// apps send neither).
bool FromBrowser(const Request& request);

// The cross-site rules, in order:
//  - http.allowed_hosts set: every request (reads too) needs an admitted Host → 403 host_refused;
//  - mutations: Origin must name this server (its host and port as the Host says, any scheme
//    when the Host carries no port, as behind a TLS proxy) or an http.allowed_origins entry;
//    `Origin: null` never passes; without Origin, `Sec-Fetch-Site` must be same-origin or none
//    → 403 origin_refused;
//  - mutations from a browser without a valid token (`token_valid`, see TokenValid) need an
//    admitted Host → 403 host_refused, the message naming http.allowed_hosts.
std::optional<Response> CheckSite(const Request& request, const Config& config, const Site& site,
                                  Access access, bool token_valid);

// Whether the request carries a bearer token that `access` accepts (admin; report routes also
// the report token). False when no such token is configured.
bool TokenValid(const Request& request, const Config& config, Access access);
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
