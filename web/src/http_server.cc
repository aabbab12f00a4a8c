// The HTTP server's life (start, stop) and its dispatcher: one CivetWeb handler that passes
// each request through the phases below (admission in request_admission.cc, streams in
// sse_connections.cc) and answers through one route table.
#include "web/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

#include "exporter/log.h"
#include "http_exchange.h"
#include "web/json_api.h"
#include "web/request_guard.h"

namespace spark {
namespace {

bool KeepAlive(const mg_request_info* ri) {
  const char* connection = nullptr;
  for (int i = 0; i < ri->num_headers; ++i) {
    if (strcasecmp(ri->http_headers[i].name, "Connection") == 0)
      connection = ri->http_headers[i].value;
  }
  if (connection != nullptr) return strcasecmp(connection, "close") != 0;
  return ri->http_version != nullptr && std::string_view(ri->http_version) == "1.1";
}

// Matches "/api/jobs/{id}" against a path, filling params.
bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& params) {
  while (true) {
    if (pattern == "/*") return true;
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t pe = pattern.find('/');
    const size_t se = path.find('/');
    const std::string_view pseg = pattern.substr(0, pe);
    const std::string_view sseg = path.substr(0, se);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (sseg.empty()) return false;
      params[std::string(pseg.substr(1, pseg.size() - 2))] = std::string(sseg);
    } else if (pseg == "*") {
      return true;
    } else if (pseg != sseg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
  }
}

const char* AccessName(Access access) {
  switch (access) {
    case Access::kRead:
      return "read";
    case Access::kMutation:
      return "mutation";
    case Access::kReport:
      return "report";
  }
  return "?";
}

}  // namespace

Status ValidateListenAddress(const std::string& listen) {
  auto invalid = [&](const std::string& why) {
    return Status::Error(ErrorCode::kInvalidListen, "--listen " + listen + ": " + why);
  };
  if (listen.find('[') != std::string::npos || std::count(listen.begin(), listen.end(), ':') > 1) {
    return invalid(
        "IPv6 is not supported (Debian's CivetWeb is built without it); use an IPv4 address "
        "such as 0.0.0.0:9999");
  }
  const size_t colon = listen.find(':');
  if (colon == std::string::npos) return invalid("expected IPv4ADDR:PORT, e.g. 127.0.0.1:9999");
  const std::string host = listen.substr(0, colon);
  const std::string_view port = std::string_view(listen).substr(colon + 1);
  in_addr address{};
  if (host.empty() || ::inet_pton(AF_INET, host.c_str(), &address) != 1) {
    return invalid("bad IPv4 address (expected four numbers 0-255, e.g. 127.0.0.1)");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || port.size() > 5 || ec != std::errc() || end != port.data() + port.size() ||
      value > 65535) {
    return invalid("bad port (expected 0-65535)");
  }
  return Status::Ok();
}

HttpServer::HttpServer(std::vector<Route> routes, ServerHooks hooks, const Clock& clock, Site site,
                       int max_sse_clients)
    : routes_(std::move(routes)),
      hooks_(std::move(hooks)),
      clock_(clock),
      site_(std::move(site)),
      max_sse_clients_(max_sse_clients),
      limiter_(clock),
      auth_throttle_(clock) {}

HttpServer::~HttpServer() {
  stopping_ = true;
  if (context_ == nullptr) return;
  // CivetWeb's master thread notices the stop flag only when its poll() on the listening
  // socket returns, which is up to 2 s (SOCKET_TIMEOUT_QUANTUM) on an idle server. Connect to
  // ourselves until mg_stop returns, so shutdown takes milliseconds, not seconds.
  std::atomic<bool> stopped{false};
  std::thread waker([this, &stopped] {
    while (!stopped) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd >= 0) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port_));
        inet_pton(AF_INET, wake_host_.c_str(), &addr.sin_addr);
        (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::close(fd);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  mg_stop(context_);
  stopped = true;
  waker.join();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options,
                                                      std::vector<Route> routes, ServerHooks hooks,
                                                      const Clock& clock) {
  if (Status s = ValidateListenAddress(options.listen); !s.ok()) return s;
  static const unsigned kInit = mg_init_library(0);
  (void)kInit;
  const std::string listen_host = options.listen.substr(0, options.listen.rfind(':'));
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(routes), std::move(hooks), clock,
                                                    Site{listen_host, options.host_names},
                                                    options.max_sse_clients));
  const std::string threads = std::to_string(
      options.threads > 0 ? options.threads : std::max(options.max_sse_clients, 0) + kSpareThreads);
  const std::string request_timeout = std::to_string(kRequestTimeoutMs);
  const std::string keep_alive_timeout = std::to_string(kKeepAliveTimeoutMs);
  // clang-format off
  const char* civet_options[] = {
      "listening_ports", options.listen.c_str(),
      "num_threads", threads.c_str(),
      "enable_keep_alive", "yes",
      "keep_alive_timeout_ms", keep_alive_timeout.c_str(),
      "tcp_nodelay", "1",
      "request_timeout_ms", request_timeout.c_str(),
      "access_control_allow_origin", "",
      "enable_auth_domain_check", "no",
      nullptr};
  // clang-format on
  mg_callbacks callbacks{};
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };  // we log ourselves
  char error_text[256] = {0};
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = civet_options;
  mg_error_data error{};
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;
  server->context_ = mg_start2(&init, &error);
  if (server->context_ == nullptr) {
    return Status::Error(ErrorCode::kListenFailed,
                         "cannot listen on " + options.listen + ": " +
                             (error_text[0] ? error_text : "unknown error"));
  }
  mg_set_request_handler(server->context_, "**", &HttpServer::Dispatch, server.get());
  mg_server_port ports[4] = {};
  const int n = mg_get_server_ports(server->context_, 4, ports);
  if (n < 1) return Status::Error(ErrorCode::kListenFailed, "no listening port after start");
  server->port_ = ports[0].port;
  server->url_ = "http://" + listen_host + ":" + std::to_string(server->port_);
  server->wake_host_ = listen_host == "0.0.0.0" ? "127.0.0.1" : listen_host;
  // The route table at debug level (tests derive their route lists from it).
  for (const Route& route : server->routes_) {
    if (!options.log_routes) break;
    Log(LogLevel::kDebug, std::string("route ") + route.method + " " + route.pattern + " " +
                              AccessName(route.access));
  }
  return server;
}

int HttpServer::Dispatch(mg_connection* conn, void* self) {
  try {
    return static_cast<HttpServer*>(self)->Handle(conn);
  } catch (const std::exception& e) {
    WriteResponse(conn,
                  ErrorResponse(ErrorCode::kInternal, std::string("internal error: ") + e.what()),
                  false);
  } catch (...) {
    WriteResponse(conn, ErrorResponse(ErrorCode::kInternal, "internal error"), false);
  }
  return 500;
}

int HttpServer::Handle(mg_connection* conn) {
  const mg_request_info* ri = mg_get_request_info(conn);
  Exchange x{conn, {}, hooks_.config(), KeepAlive(ri), clock_.Now()};
  Request& request = x.request;
  request.method = ri->request_method ? ri->request_method : "";
  request.path = ri->local_uri ? ri->local_uri : "/";
  request.query = ri->query_string ? ri->query_string : "";
  request.peer = ri->remote_addr;
  for (int i = 0; i < ri->num_headers; ++i) {
    request.headers.emplace_back(ri->http_headers[i].name, ri->http_headers[i].value);
  }
  request.client = ClientAddress(request.peer, request.Header("X-Forwarded-For"), *x.config);

  // http.allowed_hosts applies to every request, before routing (reads and 404s too).
  if (auto refused = CheckSite(request, *x.config, site_, Access::kRead, false)) {
    return Finish(x, *refused);
  }
  std::string allow;
  const Route* route = FindRoute(request, allow);
  if (route == nullptr) {
    if (allow.empty())
      return Finish(x, ErrorResponse(ErrorCode::kNotFound, "no such route: " + request.path));
    Response response =
        ErrorResponse(ErrorCode::kMethodNotAllowed, request.method + " is not allowed here");
    response.headers.emplace_back("Allow", allow);
    return Finish(x, response);
  }
  x.route = route;
  if (auto refused = CheckAccess(x, *route)) return Finish(x, *refused);
  if (auto refused = ReadBody(x, *route, ri->content_length)) return Finish(x, *refused);
  if (route->stream) return Stream(x, *route);
  return Finish(x, route->handle(request));
}

int HttpServer::Finish(Exchange& x, const Response& response) {
  if (hooks_.audit) hooks_.audit(x.request, x.route, response.status, *x.config);
  WriteResponse(x.conn, response, x.keep_alive);
  if (hooks_.access_log) {
    hooks_.access_log(x.request.client + " " + x.request.method + " " + x.request.path + " " +
                      std::to_string(response.status) + " " +
                      std::to_string(static_cast<int>(Millis(clock_.Now() - x.start))) + "ms");
  }
  return response.status;
}

const Route* HttpServer::FindRoute(Request& request, std::string& allow) const {
  const Route* found = nullptr;
  for (const Route& candidate : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(candidate.pattern, request.path, params)) continue;
    if (candidate.method == request.method) {
      if (found == nullptr) {
        found = &candidate;
        request.params = std::move(params);
      }
    } else if (allow.find(candidate.method) == std::string::npos) {
      allow += (allow.empty() ? "" : ", ") + candidate.method;
    }
  }
  return found;
}

}  // namespace spark
