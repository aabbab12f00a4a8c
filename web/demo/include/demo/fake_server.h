#pragma once
// Starts one of the demo's fake services: our own HttpServer with a fixed default config
// (no auth, no limits that matter) on a loopback address.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exporter/clock.h"
#include "exporter/status.h"
#include "web/http_server.h"

namespace spark {

Result<std::unique_ptr<HttpServer>> StartFakeServer(std::string listen, std::vector<Route> routes,
                                                    const Clock& clock);

// A fake service's port that can go away and come back, as a crashed container's does: Close()
// stops the server (connects are refused from then on), Listen() serves the same routes on the
// same port again. Thread-safe; never call Close() or Listen() from one of its own handlers.
class FakeListener {
 public:
  // Serves `routes` on `host` (port 0: any free port, kept for every later Listen()).
  static Result<std::unique_ptr<FakeListener>> Start(std::string host, int port,
                                                     std::vector<Route> routes, const Clock& clock);
  int port() const { return port_; }
  bool listening() const;
  // Stops serving; waits for in-flight requests. A no-op when closed.
  void Close();
  // Serves again on the port; ok when already listening (fails when the port was taken since).
  Status Listen();

 private:
  FakeListener(std::string host, std::vector<Route> routes, const Clock& clock)
      : host_(std::move(host)), routes_(std::move(routes)), clock_(clock) {}

  const std::string host_;
  const std::vector<Route> routes_;
  const Clock& clock_;
  int port_ = 0;
  mutable std::mutex mu_;  // guards server_ (held while it starts or stops, never by a handler)
  std::unique_ptr<HttpServer> server_;
};

}  // namespace spark
