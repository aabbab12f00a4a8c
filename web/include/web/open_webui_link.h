#pragma once
// The "Open in Open WebUI" deep link of GET /api/endpoints (`vllm.open_webui_url`).

#include <optional>
#include <string>
#include <string_view>

namespace spark {

// The configured Open WebUI URL without its user info (the route is unauthenticated) and,
// when vLLM serves a model, with that model selected: `models=<served name>` added to the
// query (before any fragment), the name percent-encoded (RFC 3986 unreserved characters
// kept).
std::string OpenWebUiLink(std::string_view configured_url,
                          const std::optional<std::string>& served_model);

}  // namespace spark
