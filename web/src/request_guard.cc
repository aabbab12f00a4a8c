#include "web/request_guard.h"

#include <algorithm>
#include <cctype>

#include "web/json_api.h"

namespace spark {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "host:port" of an origin such as "http://10.0.0.5:9999"; the scheme's default port is added.
std::string OriginAuthority(std::string_view origin) {
  std::string_view rest = origin;
  std::string default_port;
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
    default_port = "80";
  } else if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
    default_port = "443";
  } else {
    return {};
  }
  rest = rest.substr(0, rest.find('/'));
  std::string authority = Lower(rest);
  if (authority.find(':') == std::string::npos) authority += ":" + default_port;
  return authority;
}

std::string HostWithoutPort(std::string_view host) {
  return Lower(host.substr(0, host.rfind(':') == std::string_view::npos ? host.size() : host.rfind(':')));
}

}  // namespace

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

std::optional<Response> CheckHost(const Request& request, const Config& config) {
  if (config.http.allowed_hosts.empty()) return std::nullopt;
  const std::string host = Lower(request.Header("Host"));
  const std::string bare = HostWithoutPort(host);
  for (const std::string& allowed : config.http.allowed_hosts) {
    const std::string a = Lower(allowed);
    if (a == host || a == bare) return std::nullopt;
  }
  return ErrorResponse(403, "host_refused", "this Host is not in http.allowed_hosts");
}

std::optional<Response> CheckOrigin(const Request& request, const Config& config) {
  const std::string_view origin = request.Header("Origin");
  if (origin.empty()) return std::nullopt;
  const std::string authority = OriginAuthority(origin);
  std::string host = Lower(request.Header("Host"));
  if (!host.empty() && host.find(':') == std::string::npos) host += ":80";
  if (!authority.empty() && authority == host) return std::nullopt;
  for (const std::string& allowed : config.http.allowed_origins) {
    if (Lower(allowed) == Lower(origin) || (!authority.empty() && OriginAuthority(allowed) == authority)) {
      return std::nullopt;
    }
  }
  return ErrorResponse(403, "origin_refused",
                       "cross-site request refused: Origin does not match this server "
                       "(add it to http.allowed_origins to allow it)");
}

namespace {
std::string_view BearerToken(const Request& request) {
  const std::string_view header = request.Header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() || Lower(header.substr(0, kPrefix.size())) != "bearer ") return {};
  return header.substr(kPrefix.size());
}
}  // namespace

bool HasAnyToken(const Request& request, const Config& config) {
  const std::string_view token = BearerToken(request);
  if (token.empty()) return false;
  const bool admin = config.auth.token && ConstantTimeEquals(token, *config.auth.token);
  const bool report = config.auth.report_token && ConstantTimeEquals(token, *config.auth.report_token);
  return admin || report;
}

std::optional<Response> CheckToken(const Request& request, const Config& config, Access access) {
  if (access == Access::kRead) return std::nullopt;
  const std::string_view token = BearerToken(request);
  const bool admin_ok = config.auth.token && ConstantTimeEquals(token, *config.auth.token);
  if (access == Access::kMutation) {
    if (!config.auth.token || admin_ok) return std::nullopt;
  } else {
    if (!config.auth.token && !config.auth.report_token) return std::nullopt;
    const bool report_ok = config.auth.report_token && ConstantTimeEquals(token, *config.auth.report_token);
    if (admin_ok || report_ok) return std::nullopt;
  }
  Response response = ErrorResponse(
      401, "unauthorized",
      token.empty() ? "this route needs Authorization: Bearer <token>" : "the token is not valid for this route");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"spark-control\"");
  return response;
}

std::optional<Response> CheckContentType(const Request& request) {
  if (request.body.empty()) return std::nullopt;
  const std::string type = Lower(request.Header("Content-Type"));
  const std::string media = type.substr(0, type.find(';'));
  if (media == "application/json") return std::nullopt;
  return ErrorResponse(415, "unsupported_media_type", "send the body as Content-Type: application/json");
}

std::string ClientAddress(const std::string& peer, std::string_view forwarded_for,
                          const Config& config) {
  if (forwarded_for.empty()) return peer;
  const auto& proxies = config.http.trusted_proxies;
  if (std::find(proxies.begin(), proxies.end(), peer) == proxies.end()) return peer;
  std::string_view last = forwarded_for.substr(
      forwarded_for.rfind(',') == std::string_view::npos ? 0 : forwarded_for.rfind(',') + 1);
  while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
  while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
  return last.empty() ? peer : std::string(last);
}

}  // namespace spark
