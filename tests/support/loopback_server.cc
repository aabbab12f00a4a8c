#include "support/loopback_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace spark::test {

LoopbackServer::LoopbackServer(Behaviour behaviour, std::string body)
    : behaviour_(behaviour), body_(std::move(body)) {
  Listen();
}

LoopbackServer::LoopbackServer(LoopbackHandler handler)
    : behaviour_(Behaviour::kOk), handler_(std::move(handler)) {
  Listen();
}

void LoopbackServer::Listen() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("cannot listen on loopback");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

LoopbackServer::~LoopbackServer() {
  stop_ = true;
  thread_.join();
  for (auto& t : handlers_) t.join();
  close(listen_fd_);
}

void LoopbackServer::Set(Behaviour behaviour, std::string body, int delay_ms) {
  std::lock_guard lock(mu_);
  behaviour_ = behaviour;
  body_ = std::move(body);
  delay_ms_ = delay_ms;
}

void LoopbackServer::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    handlers_.emplace_back([this, fd] { Answer(fd); });
  }
}

// Waits up to `ms` in small steps so that stopping the server is never held up.
static bool SleepUnlessStopped(const std::atomic<bool>& stop, int ms) {
  for (int waited = 0; waited < ms && !stop; waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !stop;
}

void LoopbackServer::Answer(int fd) {
  // Serves requests on this connection until the peer closes (keep-alive like real servers).
  std::string request;
  while (!stop_) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
    if (request.find("\r\n\r\n") == std::string::npos) continue;
    const std::string head = request.substr(0, request.find("\r\n\r\n"));
    request.clear();
    ++requests_;
    if (handler_) {
      AnswerWithHandler(fd, head);
      continue;
    }
    Behaviour behaviour;
    std::string body;
    int delay;
    {
      std::lock_guard lock(mu_);
      behaviour = behaviour_;
      body = body_;
      delay = delay_ms_;
    }
    auto response = [](int status, const std::string& text) {
      return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
             "\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(text.size()) + "\r\n\r\n" + text;
    };
    auto respond = [fd, &response](int status, const std::string& text) {
      const std::string out = response(status, text);
      (void)!write(fd, out.data(), out.size());
    };
    switch (behaviour) {
      case Behaviour::kOk:
        respond(200, body);
        break;
      case Behaviour::kSlow:
        if (!SleepUnlessStopped(stop_, delay)) break;
        respond(200, body);
        break;
      case Behaviour::kStatus500:
        respond(500, "{\"error\":\"internal\"}");
        break;
      case Behaviour::kGarbage:
        respond(200, "<html>not json \x01\x02</html>");
        break;
      case Behaviour::kNotHttp: {
        const std::string junk = "SSH-2.0-OpenSSH_9.2\r\n\x00\xff garbage";
        (void)!write(fd, junk.data(), junk.size());
        close(fd);
        return;
      }
      case Behaviour::kReset: {
        linger l{1, 0};  // close() sends RST
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close(fd);
        return;
      }
      case Behaviour::kTrickle: {
        const std::string out = response(200, body);
        for (size_t i = 0; i < out.size() && SleepUnlessStopped(stop_, delay); ++i) {
          if (send(fd, out.data() + i, 1, MSG_NOSIGNAL) != 1) break;  // the client may be gone
        }
        break;
      }
      case Behaviour::kSilent:
        while (SleepUnlessStopped(stop_, 100)) {
        }
        break;
    }
  }
  close(fd);
}

void LoopbackServer::AnswerWithHandler(int fd, const std::string& head) {
  const LoopbackReply reply = handler_(head);
  if (!SleepUnlessStopped(stop_, reply.delay_ms)) return;
  const char* reason = reply.status == 200   ? "OK"
                       : reply.status == 401 ? "Unauthorized"
                       : reply.status == 403 ? "Forbidden"
                       : reply.status == 404 ? "Not Found"
                                             : "Error";
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason + "\r\n";
  for (const auto& header : reply.headers) out += header + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
  if (!head.starts_with("HEAD ")) out += reply.body;
  (void)!send(fd, out.data(), out.size(), MSG_NOSIGNAL);
}

std::string VllmModelsBody(const std::string& model) {
  return R"({"object":"list","data":[{"id":")" + model +
         R"(","object":"model","created":1764000000,"owned_by":"vllm","root":")" + model +
         R"(","parent":null,"max_model_len":262144,"permission":[{"id":"modelperm-1",)"
         R"("object":"model_permission","created":1764000000,"allow_create_engine":false,)"
         R"("allow_sampling":true,"allow_logprobs":true,"allow_search_indices":false,)"
         R"("allow_view":true,"allow_fine_tuning":false,"organization":"*","group":null,)"
         R"("is_blocking":false}]}]})";
}

}  // namespace spark::test
