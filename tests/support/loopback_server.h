#pragma once
// A raw TCP server on 127.0.0.1 that plays a service and misbehaves on purpose: answers
// normally, slowly (past a deadline), byte by byte, with an error status, with a garbage body,
// resets the connection, or never answers. The behaviour can be switched while it runs.

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace spark::test {

enum class Behaviour {
  kOk,         // 200 with `body`
  kSlow,       // waits `delay_ms` first, then 200
  kStatus500,  // 500
  kGarbage,    // 200 with a body that is not what the client expects
  kNotHttp,    // bytes that are not HTTP at all
  kReset,      // closes with RST as soon as the request is read
  kSilent,     // accepts, reads, never answers (until stopped)
  kTrickle,    // a valid 200 with `body`, one byte every `delay_ms`
};

// What a handler answers to one request (a service with routes, such as tests' fake Hub).
struct LoopbackReply {
  int status = 200;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  int delay_ms = 0;                  // waited before answering (cut short when the server stops)
};
// Called on a server thread with the request's line and headers; must be thread-safe.
using LoopbackHandler = std::function<LoopbackReply(const std::string& head)>;

class LoopbackServer {
 public:
  explicit LoopbackServer(Behaviour behaviour = Behaviour::kOk, std::string body = "{}");
  // Every request is answered by `handler` (a HEAD without the body); Set() has no effect.
  explicit LoopbackServer(LoopbackHandler handler);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  void Set(Behaviour behaviour, std::string body = "{}", int delay_ms = 3000);
  int requests() const { return requests_; }

 private:
  void Listen();
  void Serve();
  void Answer(int fd);
  void AnswerWithHandler(int fd, const std::string& head);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  Behaviour behaviour_;
  std::string body_;
  int delay_ms_ = 3000;
  LoopbackHandler handler_;
  std::thread thread_;
  std::vector<std::thread> handlers_;
};

// The body vLLM's /v1/models answers with (captured from a real server, tests/testdata).
std::string VllmModelsBody(const std::string& model);

}  // namespace spark::test
