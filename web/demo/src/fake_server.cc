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

}  // namespace spark
