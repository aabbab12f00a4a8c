#include "web/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <thread>

#include "exporter/log.h"
#include "web/json_api.h"
#include "web/request_guard.h"

namespace spark {
namespace {

std::string StatusLine(int status) {
  return "HTTP/1.1 " + std::to_string(status) + " " + mg_get_response_code_text(nullptr, status) +
         "\r\n";
}

bool KeepAlive(const mg_request_info* ri) {
  const char* connection = nullptr;
  for (int i = 0; i < ri->num_headers; ++i) {
    if (strcasecmp(ri->http_headers[i].name, "Connection") == 0)
      connection = ri->http_headers[i].value;
  }
  if (connection != nullptr) return strcasecmp(connection, "close") != 0;
  return ri->http_version != nullptr && std::string_view(ri->http_version) == "1.1";
}

// Headers and body in one write (PITFALLS.md: Nagle + delayed ACK stalls otherwise).
void WriteResponse(mg_connection* conn, const Response& response, bool keep_alive) {
  std::string out = StatusLine(response.status);
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += response.body;
  mg_write(conn, out.data(), out.size());
}

// Sends the response head with the first frame, so a handler can still Refuse.
class CivetSseStream final : public SseStream {
 public:
  CivetSseStream(mg_connection* conn, const HttpServer& server, std::string head)
      : conn_(conn), server_(server), head_(std::move(head)) {}

  bool Send(std::string_view event, std::string_view id, std::string_view data) override {
    std::string frame;
    frame.reserve(event.size() + id.size() + data.size() + 24);
    frame.append("event: ").append(event).append("\n");
    if (!id.empty()) frame.append("id: ").append(id).append("\n");
    frame.append("data: ").append(data).append("\n\n");
    return Write(frame);
  }
  bool Comment(std::string_view text) override {
    return Write(std::string(": ").append(text).append("\n\n"));
  }
  bool stopping() const override { return server_.stopping(); }
  void Refuse(const Response& response) override {
    if (!head_.empty()) {
      WriteResponse(conn_, response, false);
      refused_status_ = response.status;
      head_.clear();
    }
  }
  bool Write(std::string_view frame) {
    if (refused_status_ != 0) return false;
    if (!head_.empty()) {
      mg_write(conn_, head_.data(), head_.size());
      head_.clear();
    }
    return mg_send_chunk(conn_, frame.data(), static_cast<unsigned>(frame.size())) > 0;
  }
  // Ends the stream: the terminating chunk, or nothing after a refusal. The status sent.
  int End() {
    if (refused_status_ != 0) return refused_status_;
    Write("");
    return 200;
  }

 private:
  mg_connection* conn_;
  const HttpServer& server_;
  std::string head_;  // until sent
  int refused_status_ = 0;
};

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

bool HasBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

// Bodies are read in pieces of this size: a chunked body (no Content-Length) grows as it
// arrives instead of being allocated at the route's limit, and each read's stall bound
// (kRequestTimeoutMs) applies per piece, not to a whole 16 MB upload.
constexpr size_t kReadPiece = 64 * 1024;

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

Response TooManyRequests(std::string message, double wait_s) {
  Response response = ErrorResponse(ErrorCode::kRateLimited, message);
  response.headers.emplace_back("Retry-After",
                                std::to_string(std::max(1L, static_cast<long>(std::ceil(wait_s)))));
  return response;
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
  const char* civet_options[] = {"listening_ports",
                                 options.listen.c_str(),
                                 "num_threads",
                                 threads.c_str(),
                                 "enable_keep_alive",
                                 "yes",
                                 "keep_alive_timeout_ms",
                                 keep_alive_timeout.c_str(),
                                 "tcp_nodelay",
                                 "1",
                                 "request_timeout_ms",
                                 request_timeout.c_str(),
                                 "access_control_allow_origin",
                                 "",
                                 "enable_auth_domain_check",
                                 "no",
                                 nullptr};
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

// What the dispatcher knows about one request while it passes the phases below.
struct HttpServer::Exchange {
  mg_connection* conn;
  Request request;
  ConfigPtr config;
  bool keep_alive;
  SteadyTime start;
  const Route* route = nullptr;  // once matched
};

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

bool HttpServer::OpenStream(const std::string& client, int cap) {
  std::lock_guard lock(streams_mu_);
  int& mine = streams_per_client_[client];
  if (open_streams_ >= cap || mine >= kMaxStreamsPerClient) {
    if (mine == 0) streams_per_client_.erase(client);
    return false;
  }
  ++mine;
  ++open_streams_;
  return true;
}

void HttpServer::CloseStream(const std::string& client) {
  std::lock_guard lock(streams_mu_);
  const auto it = streams_per_client_.find(client);
  if (it != streams_per_client_.end() && --it->second <= 0) streams_per_client_.erase(it);
  --open_streams_;
}

int HttpServer::Stream(Exchange& x, const Route& route) {
  // The threads were sized from the start value, so a larger live value cannot be honoured.
  const int cap = std::min(x.config->limits.max_sse_clients, max_sse_clients_);
  const std::string client = x.request.client;
  if (!OpenStream(client, cap)) {
    Response response = ErrorResponse(
        ErrorCode::kOverloaded, "too many open event streams (at most " + std::to_string(cap) +
                                    ", " + std::to_string(kMaxStreamsPerClient) +
                                    " per client address); retry later");
    response.headers.emplace_back("Retry-After", "5");
    return Finish(x, response);
  }
  const std::string head = StatusLine(200) +
                           "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n"
                           "X-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n"
                           "Connection: close\r\n\r\n";
  CivetSseStream stream(x.conn, *this, head);
  struct Release {
    HttpServer& server;
    const std::string& client;
    ~Release() { server.CloseStream(client); }
  } release{*this, client};
  route.stream(x.request, stream);
  const int status = stream.End();
  if (hooks_.access_log) {
    hooks_.access_log(x.request.client + " " + x.request.method + " " + x.request.path + " " +
                      std::to_string(status) + " stream");
  }
  return status;
}

}  // namespace spark
