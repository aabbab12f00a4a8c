#pragma once
// The HTTP server: CivetWeb (plain HTTP, IPv4; TLS belongs to a reverse proxy, see
// PITFALLS.md) behind one dispatcher that applies the guards of request_guard.h, caps
// bodies before reading them, and routes through one table. C++ exceptions never reach
// CivetWeb: a throwing handler answers JSON 500.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/config_store.h"
#include "exporter/clock.h"
#include "exporter/status.h"
#include "web/http.h"
#include "web/rate_limiter.h"

struct mg_context;
struct mg_connection;

namespace spark {

struct ServerOptions {
  std::string listen = "0.0.0.0:9999";  // IPv4 "ADDR:PORT"; port 0 picks a free one
  int threads = 96;                      // concurrent connections, SSE streams included
};

struct ServerHooks {
  std::function<ConfigPtr()> config;          // the current config (guards, limits)
  std::function<void()> on_rate_limited;      // a report refused with 429
  std::function<void(const std::string&)> access_log;  // one line per request (debug level)
  // Every answered request (SSE streams excepted), before the answer is written: the route
  // it matched (null when none), its status and the config it was checked against.
  std::function<void(const Request&, const Route*, int status, const Config&)> audit;
};

// Parses "ADDR:PORT" (IPv4 only, as Debian's CivetWeb is built without IPv6).
Status ValidateListenAddress(const std::string& listen);

class HttpServer {
 public:
  // Binds and starts serving. Errors: invalid listen address, port in use.
  static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options, std::vector<Route> routes,
                                                   ServerHooks hooks, const Clock& clock);
  ~HttpServer();  // stops: waits for in-flight requests (streams end at once, see Stop)
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "http://127.0.0.1:PORT" as bound.
  std::string url() const { return url_; }
  int port() const { return port_; }

  // Marks the server as stopping: SSE streams see stopping() and return; then the
  // caller wakes their feeds and destroys the server.
  void BeginShutdown() { stopping_ = true; }
  bool stopping() const { return stopping_; }
  // Open SSE streams (bounded by limits.max_sse_clients).
  int open_streams() const { return open_streams_; }

 private:
  HttpServer(std::vector<Route> routes, ServerHooks hooks, const Clock& clock);
  struct Exchange;
  static int Dispatch(mg_connection* conn, void* self);
  // The phases of one request: guards, routing, body, then the handler or the stream.
  int Handle(mg_connection* conn);
  const Route* FindRoute(Request& request, std::string& allow) const;
  std::optional<Response> CheckAccess(Exchange& x, const Route& route);
  std::optional<Response> ReadBody(Exchange& x, const Route& route, long long declared);
  int Stream(Exchange& x, const Route& route);
  int Finish(Exchange& x, const Response& response);

  std::vector<Route> routes_;
  ServerHooks hooks_;
  const Clock& clock_;
  RateLimiter limiter_;
  mg_context* context_ = nullptr;
  std::string url_;
  std::string wake_host_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_streams_{0};
};

}  // namespace spark
