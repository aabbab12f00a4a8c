#pragma once
// Starts one of the demo's fake services: our own HttpServer with a fixed default config
// (no auth, no limits that matter) on a loopback address.

#include <memory>
#include <string>
#include <vector>

#include "exporter/clock.h"
#include "exporter/status.h"
#include "web/http_server.h"

namespace spark {

Result<std::unique_ptr<HttpServer>> StartFakeServer(std::string listen, std::vector<Route> routes,
                                                    const Clock& clock);

}  // namespace spark
