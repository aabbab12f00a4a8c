#pragma once
// The HTTP server: CivetWeb (plain HTTP, IPv4; TLS belongs to a reverse proxy, see
// PITFALLS.md) behind one dispatcher that applies the guards of request_guard.h, caps
// bodies before reading them, and routes through one table. C++ exceptions never reach
// CivetWeb: a throwing handler answers JSON 500.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/config_store.h"
#include "exporter/clock.h"
#include "exporter/status.h"
#include "web/auth_throttle.h"
#include "web/http.h"
#include "web/rate_limiter.h"
#include "web/request_guard.h"

struct mg_context;
struct mg_connection;

namespace spark {

struct ServerOptions {
  std::string listen = "0.0.0.0:9999";  // IPv4 "ADDR:PORT"; port 0 picks a free one
  // Open SSE streams at most, fixed for the process's life: the thread pool is sized from it
  // (streams + kSpareThreads), so a live config may lower the cap but not raise it.
  int max_sse_clients = 64;
  int threads = 0;                      // 0 = max_sse_clients + kSpareThreads
  std::vector<std::string> host_names;  // the machine's own names (OwnHostNames)
  bool log_routes = false;              // list the route table at debug level at start
};

// Request threads beyond the SSE streams, for everything else.
inline constexpr int kSpareThreads = 32;
// Open SSE streams per client address (as the rate limit sees it, trusted_proxies applied).
inline constexpr int kMaxStreamsPerClient = 8;
// How long a connection may take to send its request head, and may idle between requests on
// keep-alive, before its thread is given back (a flood of idle sockets frees the server this
// long after it stops). Also the longest a single read or write of a body may stall.
inline constexpr int kRequestTimeoutMs = 3000;
inline constexpr int kKeepAliveTimeoutMs = 3000;

struct ServerHooks {
  std::function<ConfigPtr()> config;                   // the current config (guards, limits)
  std::function<void()> on_rate_limited;               // a report refused with 429
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
  // Open SSE streams (bounded by limits.max_sse_clients, at most the start value, and by
  // kMaxStreamsPerClient per client).
  int open_streams() const { return open_streams_; }

 private:
  HttpServer(std::vector<Route> routes, ServerHooks hooks, const Clock& clock, Site site,
             int max_sse_clients);
  struct Exchange;
  static int Dispatch(mg_connection* conn, void* self);
  // The phases of one request: guards, routing, body, then the handler or the stream.
  int Handle(mg_connection* conn);
  const Route* FindRoute(Request& request, std::string& allow) const;
  std::optional<Response> CheckAccess(Exchange& x, const Route& route);
  std::optional<Response> CheckAuth(Exchange& x, const Route& route);
  // Takes a stream slot for `client`; false (and nothing taken) when a cap is reached.
  bool OpenStream(const std::string& client, int cap);
  void CloseStream(const std::string& client);
  std::optional<Response> ReadBody(Exchange& x, const Route& route, long long declared);
  int Stream(Exchange& x, const Route& route);
  int Finish(Exchange& x, const Response& response);

  std::vector<Route> routes_;
  ServerHooks hooks_;
  const Clock& clock_;
  const Site site_;
  const int max_sse_clients_;  // at start
  RateLimiter limiter_;
  AuthThrottle auth_throttle_;
  std::mutex streams_mu_;
  std::map<std::string, int> streams_per_client_;  // guarded by streams_mu_; no zero entries
  mg_context* context_ = nullptr;
  std::string url_;
  std::string wake_host_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_streams_{0};
};

}  // namespace spark
