#pragma once
// The browser UI, compiled into the binary from web/ui/, and the API document from docs/
// (cmake/embed_files.cmake).

#include <string_view>
#include <vector>

namespace spark {

struct UiAsset {
  std::string_view path;  // "/index.html"
  std::string_view body;
};

const std::vector<UiAsset>& UiAssets();
// docs/openapi.yaml as "/openapi.yaml", byte for byte.
const std::vector<UiAsset>& ApiDocuments();

}  // namespace spark
