#include "web/request_guard.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "web/json_api.h"

namespace spark {
namespace {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The last element of a comma-separated header (the one the nearest proxy added).
std::string_view LastValue(std::string_view header) {
  const size_t comma = header.rfind(',');
  return Trim(comma == std::string_view::npos ? header : header.substr(comma + 1));
}

// "name:port", "[v6]:port" or "name" → name (brackets kept) and port (empty when absent).
struct Authority {
  std::string host;
  std::string port;
};
Authority SplitAuthority(std::string_view authority) {
  authority = Trim(authority);
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return {AsciiLower(authority), {}};
    std::string_view rest = authority.substr(close + 1);
    return {AsciiLower(authority.substr(0, close + 1)),
            rest.size() > 1 && rest.front() == ':' ? std::string(rest.substr(1)) : std::string()};
  }
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return {AsciiLower(authority), {}};
  return {AsciiLower(authority.substr(0, colon)), std::string(authority.substr(colon + 1))};
}

std::string_view DefaultPort(std::string_view scheme) {
  if (scheme == "http") return "80";
  if (scheme == "https") return "443";
  return {};
}

// An http(s) origin as (scheme, host, port with the scheme's default filled in).
struct Origin {
  std::string scheme;
  std::string host;
  std::string port;
};
std::optional<Origin> ParseOrigin(std::string_view text) {
  const std::string lower = AsciiLower(Trim(text));
  const size_t sep = lower.find("://");
  if (sep == std::string::npos) return std::nullopt;
  Origin origin;
  origin.scheme = lower.substr(0, sep);
  if (DefaultPort(origin.scheme).empty()) return std::nullopt;
  std::string_view rest = std::string_view(lower).substr(sep + 3);
  rest = rest.substr(0, rest.find('/'));
  Authority authority = SplitAuthority(rest);
  if (authority.host.empty()) return std::nullopt;
  origin.host = std::move(authority.host);
  origin.port = authority.port.empty() ? std::string(DefaultPort(origin.scheme)) : authority.port;
  return origin;
}

bool IsIpLiteral(std::string_view host) {
  unsigned char buffer[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    const std::string inner(host.substr(1, host.size() - 2));
    return inet_pton(AF_INET6, inner.c_str(), buffer) == 1;
  }
  const std::string name(host);
  return inet_pton(AF_INET, name.c_str(), buffer) == 1;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string Quoted(std::string_view text) {
  constexpr size_t kMax = 100;
  return "\"" + std::string(text.substr(0, kMax)) + (text.size() > kMax ? "…\"" : "\"");
}

std::optional<Response> CheckOrigin(const Request& request, const Config& config,
                                    const Sender& sender) {
  const std::string_view origin_text = Trim(request.Header("Origin"));
  if (origin_text.empty()) {
    const std::string fetch_site = AsciiLower(Trim(request.Header("Sec-Fetch-Site")));
    if (fetch_site.empty() || fetch_site == "same-origin" || fetch_site == "none") {
      return std::nullopt;
    }
    return ErrorResponse(ErrorCode::kOriginRefused,
                         "cross-site request refused: the browser says it comes from another "
                         "site (Sec-Fetch-Site: " +
                             fetch_site.substr(0, 32) + ") and sent no Origin");
  }
  const std::optional<Origin> origin = ParseOrigin(origin_text);
  if (origin) {
    const Authority host = SplitAuthority(sender.host);
    std::string host_port = host.port;
    if (host_port.empty()) host_port = DefaultPort(sender.scheme);
    // A Host without a port and no trusted scheme: the client used its scheme's default port,
    // which one we cannot tell behind a TLS proxy, so the origin's default port matches.
    const bool port_matches =
        host_port.empty() ? origin->port == DefaultPort(origin->scheme) : origin->port == host_port;
    if (!host.host.empty() && origin->host == host.host && port_matches) return std::nullopt;
  }
  if (origin_text != "null") {
    for (const std::string& allowed : config.http.allowed_origins) {
      const std::optional<Origin> entry = ParseOrigin(allowed);
      const bool same = entry && origin ? entry->host == origin->host && entry->port == origin->port
                                        : AsciiLower(Trim(allowed)) == AsciiLower(origin_text);
      if (same) return std::nullopt;
    }
  }
  return ErrorResponse(ErrorCode::kOriginRefused,
                       "cross-site request refused: Origin " + Quoted(origin_text) +
                           " does not match this server (add it to http.allowed_origins to "
                           "allow it)");
}

}  // namespace

Sender ResolveSender(const Request& request, const Config& config) {
  Sender sender{request.peer, AsciiLower(Trim(request.Header("Host"))), {}};
  if (!Contains(config.http.trusted_proxies, request.peer)) return sender;
  if (const std::string_view hop = LastValue(request.Header("X-Forwarded-For")); !hop.empty()) {
    sender.client = std::string(hop);
  }
  if (const std::string_view host = LastValue(request.Header("X-Forwarded-Host")); !host.empty()) {
    sender.host = AsciiLower(host);
  }
  const std::string proto = AsciiLower(LastValue(request.Header("X-Forwarded-Proto")));
  if (proto == "http" || proto == "https") sender.scheme = proto;
  return sender;
}

bool HostAdmitted(std::string_view host, const Config& config, const Site& site) {
  const std::string full = AsciiLower(Trim(host));
  std::string name = SplitAuthority(full).host;
  if (!name.empty() && name.back() == '.') name.pop_back();  // "localhost." is localhost
  if (name.empty()) return false;
  if (IsIpLiteral(name) || name == "localhost" || name == site.listen_host) return true;
  if (Contains(site.host_names, name)) return true;
  for (const std::string& allowed : config.http.allowed_hosts) {
    const std::string entry = AsciiLower(Trim(allowed));
    if (entry == full || entry == name) return true;
  }
  return false;
}

bool FromBrowser(const Request& request) {
  return !Trim(request.Header("Origin")).empty() || !Trim(request.Header("Sec-Fetch-Site")).empty();
}

std::optional<Response> CheckSite(const Request& request, const Config& config, const Site& site,
                                  Access access, bool token_valid) {
  const Sender sender = ResolveSender(request, config);
  const bool admitted = HostAdmitted(sender.host, config, site);
  if (!config.http.allowed_hosts.empty() && !admitted) {
    return ErrorResponse(ErrorCode::kHostRefused,
                         "Host " + Quoted(sender.host) + " is not in http.allowed_hosts");
  }
  if (access == Access::kRead) return std::nullopt;
  if (auto refused = CheckOrigin(request, config, sender)) return refused;
  if (admitted || token_valid || !FromBrowser(request)) return std::nullopt;
  return ErrorResponse(
      ErrorCode::kHostRefused,
      "changes from a browser are accepted only under this server's own names, and " +
          Quoted(sender.host) +
          " is not one of them (a page on another site may be using it, DNS rebinding). If it is "
          "yours, add it to http.allowed_hosts (operator config, or PUT /api/config from a script "
          "or with the admin token), or open the panel by its IP address");
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

namespace {
std::string_view BearerToken(const Request& request) {
  const std::string_view header = request.Header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() ||
      AsciiLower(header.substr(0, kPrefix.size())) != "bearer ") {
    return {};
  }
  return header.substr(kPrefix.size());
}

bool Matches(std::string_view token, const std::optional<std::string>& expected) {
  return expected && !token.empty() && ConstantTimeEquals(token, *expected);
}
}  // namespace

bool HasAnyToken(const Request& request, const Config& config) {
  const std::string_view token = BearerToken(request);
  return Matches(token, config.auth.token) || Matches(token, config.auth.report_token);
}

bool TokenValid(const Request& request, const Config& config, Access access) {
  const std::string_view token = BearerToken(request);
  if (access == Access::kRead) return false;
  if (Matches(token, config.auth.token)) return true;
  return access == Access::kReport && Matches(token, config.auth.report_token);
}

std::optional<Response> CheckToken(const Request& request, const Config& config, Access access) {
  if (access == Access::kRead) return std::nullopt;
  const bool open = access == Access::kMutation ? !config.auth.token
                                                : !config.auth.token && !config.auth.report_token;
  if (open || TokenValid(request, config, access)) return std::nullopt;
  Response response =
      ErrorResponse(ErrorCode::kUnauthorized, BearerToken(request).empty()
                                                  ? "this route needs Authorization: Bearer <token>"
                                                  : "the token is not valid for this route");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"spark-control\"");
  return response;
}

std::optional<Response> CheckContentType(const Request& request) {
  if (request.body.empty()) return std::nullopt;
  const std::string type = AsciiLower(request.Header("Content-Type"));
  const std::string media = std::string(Trim(type.substr(0, type.find(';'))));
  if (media == "application/json") return std::nullopt;
  return ErrorResponse(ErrorCode::kUnsupportedMediaType,
                       "send the body as Content-Type: application/json");
}

std::string ClientAddress(const std::string& peer, std::string_view forwarded_for,
                          const Config& config) {
  if (!Contains(config.http.trusted_proxies, peer)) return peer;
  const std::string_view hop = LastValue(forwarded_for);
  return hop.empty() ? peer : std::string(hop);
}

}  // namespace spark
