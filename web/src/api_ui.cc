// GET / and /assets/{file}, /assets/{lib,sections}/{file}: the embedded control UI (ES modules);
// GET /api/openapi.yaml: the embedded API document.
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

Response FileAsset(const Request& request) { return Asset("/" + request.params.at("file")); }

// The one folder level below /assets: the UI's modules. Any other folder is a 404, so only
// files of the embedded table can be named (the lookup is exact; ".." matches no file).
Response ModuleAsset(const Request& request) {
  const std::string& dir = request.params.at("dir");
  const std::string& file = request.params.at("file");
  if (dir != "lib" && dir != "sections") {
    return ErrorResponse(ErrorCode::kNotFound, "no such file: " + dir + "/" + file);
  }
  return Asset("/" + dir + "/" + file);
}

// docs/openapi.yaml of this build; `application/yaml` (RFC 9512).
Response ApiDocument(const Request&) {
  Response response;
  response.content_type = "application/yaml";
  response.body = std::string(ApiDocuments().front().body);
  return response;
}

}  // namespace

void AddUiRoutes(App&, std::vector<Route>& routes) {
  routes.push_back(
      {"GET", "/", Access::kRead, [](const Request&) { return Asset("/index.html"); }, {}, {}});
  routes.push_back({"GET", "/assets/{file}", Access::kRead, FileAsset, {}, {}});
  routes.push_back({"GET", "/assets/{dir}/{file}", Access::kRead, ModuleAsset, {}, {}});
  routes.push_back({"GET", "/api/openapi.yaml", Access::kRead, ApiDocument, {}, {}});
}

}  // namespace spark
