#pragma once
// Server-side request/response values and the route table types. Handlers are plain
// functions of a Request; only SSE routes get a stream to write to.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spark {

struct Config;

struct Request {
  std::string method;
  std::string path;    // without the query string
  std::string query;   // raw, without '?'
  std::string peer;    // socket peer address
  std::string client;  // peer, or X-Forwarded-For's last hop behind a trusted proxy
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::map<std::string, std::string> params;  // from "{name}" segments of the route

  // Case-insensitive header lookup; empty when absent.
  std::string_view Header(std::string_view name) const;
  // URL-decoded query parameter; nullopt-like empty + `found=false` when absent.
  bool Query(std::string_view name, std::string& value) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Sent instead of `body` when set: a buffer shared with a cache (the /metrics render), so a
  // large answer is not copied per request.
  std::shared_ptr<const std::string> shared_body;
  std::vector<std::pair<std::string, std::string>> headers;

  std::string_view payload() const { return shared_body ? *shared_body : body; }
};

// A Server-Sent Events stream. Writes return false once the client has gone.
class SseStream {
 public:
  virtual ~SseStream() = default;
  // "event: NAME\nid: ID\ndata: DATA\n\n" (id omitted when empty; DATA is one line of JSON).
  virtual bool Send(std::string_view event, std::string_view id, std::string_view data) = 0;
  // ": TEXT\n\n", the keep-alive ping.
  virtual bool Comment(std::string_view text) = 0;
  // True once the server is shutting down; streams return promptly.
  virtual bool stopping() const = 0;
  // Answers `response` instead of opening the stream (e.g. 404 for an unknown id). Only
  // before the first Send or Comment; the handler returns right after.
  virtual void Refuse(const Response& response) = 0;
};

// Who may call a route (API.md "Mutating endpoints").
enum class Access {
  kRead,      // no auth, no origin check
  kMutation,  // admin token when configured, origin checks, JSON body
  kReport,    // admin or report token, origin checks, per-client rate limit, JSON body
};

struct Route {
  std::string method;
  std::string pattern;  // "/api/jobs/{id}"; a trailing "/*" matches any rest
  Access access = Access::kRead;
  std::function<Response(const Request&)> handle;          // plain routes
  std::function<void(const Request&, SseStream&)> stream;  // SSE routes
  // The body cap for this route; unset = limits.max_body_bytes.
  std::function<size_t(const Config&)> body_limit;
};

// Splits "a=1&b=x%20y" style queries; helper for handlers.
std::string UrlDecode(std::string_view s);

// A whole number as a client writes it in a query or header: decimal digits only (no sign,
// no space), at most 2^64-1; nullopt otherwise.
std::optional<uint64_t> ParseDecimal(std::string_view text);

// ASCII lower case, as header tokens, schemes and host names compare.
std::string AsciiLower(std::string_view text);

}  // namespace spark
