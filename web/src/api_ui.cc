// GET / and /assets/{file}: the embedded control UI.
#include "web/app.h"
#include "web/json_api.h"
#include "web/ui_assets.h"

namespace spark {
namespace {

std::string ContentType(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

Response Asset(std::string_view path) {
  for (const UiAsset& asset : UiAssets()) {
    if (asset.path == path) {
      Response response;
      response.content_type = ContentType(path);
      response.body = std::string(asset.body);
      response.headers.emplace_back(
          "Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
          "connect-src 'self'; frame-ancestors 'none'");
      response.headers.emplace_back("Referrer-Policy", "no-referrer");
      return response;
    }
  }
  return ErrorResponse(ErrorCode::kNotFound, "no such file: " + std::string(path));
}

}  // namespace

void AddUiRoutes(App&, std::vector<Route>& routes) {
  routes.push_back({"GET", "/", Access::kRead, [](const Request&) { return Asset("/index.html"); }, {}, {}});
  routes.push_back({"GET", "/assets/{file}", Access::kRead,
                    [](const Request& request) { return Asset("/" + request.params.at("file")); }, {}, {}});
}

}  // namespace spark
