#include "demo/fake_server.h"

#include "controller/config.h"

namespace spark {

Result<std::unique_ptr<HttpServer>> StartFakeServer(std::string listen, std::vector<Route> routes,
                                                    const Clock& clock) {
  ServerOptions options;
  options.listen = std::move(listen);
  options.threads = 8;
  auto config = std::make_shared<const Config>();
  ServerHooks hooks;
  hooks.config = [config] { return config; };
  return HttpServer::Start(options, std::move(routes), hooks, clock);
}

Result<std::unique_ptr<FakeListener>> FakeListener::Start(std::string host, int port,
                                                          std::vector<Route> routes,
                                                          const Clock& clock) {
  std::unique_ptr<FakeListener> listener(
      new FakeListener(std::move(host), std::move(routes), clock));
  listener->port_ = port;
  if (Status s = listener->Listen(); !s.ok()) return s;
  return listener;
}

bool FakeListener::listening() const {
  std::lock_guard lock(mu_);
  return server_ != nullptr;
}

void FakeListener::Close() {
  std::unique_ptr<HttpServer> server;
  std::lock_guard lock(mu_);
  server.swap(server_);
  server.reset();  // under the lock: a Listen() meanwhile would find the port still bound
}

Status FakeListener::Listen() {
  std::lock_guard lock(mu_);
  if (server_) return Status::Ok();
  auto server = StartFakeServer(host_ + ":" + std::to_string(port_), routes_, clock_);
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  if (port_ == 0) port_ = server_->port();  // only in Start: port() reads it unlocked
  return Status::Ok();
}

}  // namespace spark
