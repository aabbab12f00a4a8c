#pragma once
// Config <-> JSON trees. Layers are merged as JSON (RFC 7386 merge patches) and decoded
// once; decoding rejects unknown keys and wrong types with a message naming the key.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "controller/config.h"
#include "exporter/status.h"

namespace spark {

// Decodes a merged tree. Missing keys take the struct defaults; unknown keys, wrong types
// and out-of-range values give invalid_field with `field` = the dotted key path.
Result<Config> DecodeConfig(const nlohmann::json& tree);

// The full tree of `config`. With `redact`, secrets (auth tokens) are replaced by
// `token_set` / `report_token_set` booleans and credentials in URLs are masked.
nlohmann::json EncodeConfig(const Config& config, bool redact);

// `url` with the user-info part of its authority replaced by "***"
// ("https://user:pw@host/x" → "https://***@host/x"); unchanged when it has none.
std::string MaskUrlCredentials(std::string_view url);
// `url` without its user-info ("https://user:pw@host/x" → "https://host/x"): for links.
std::string StripUrlCredentials(std::string_view url);
// True when `url` carries the mask MaskUrlCredentials puts in.
bool HasMaskedCredentials(std::string_view url);
// The keys whose values are URLs that may embed credentials (dotted paths).
inline constexpr const char* kCredentialUrlKeys[] = {"open_webui.url", "remote.hf_endpoint"};

// YAML text → JSON tree (plain scalars typed as YAML 1.2 core; quoted scalars stay strings).
// An error names `origin` and the line/column of a syntax error.
Result<nlohmann::json> ParseYamlTree(std::string_view text, std::string_view origin);
// JSON tree → YAML text (for the overlay file).
std::string EmitYamlTree(const nlohmann::json& tree);

// Keys only the operator file may set (`security`): pinned (409) naming the key when the
// overlay tree (what PUT /api/config writes) holds one.
Status CheckOverlayTree(const nlohmann::json& overlay);

// Human warnings about a valid config (e.g. `.local` names resolve IPv6 first).
std::vector<std::string> ConfigWarnings(const Config& config);

}  // namespace spark
