// Credentials in configured URLs (config_schema.h): masked in answers, stripped from links.
#include <algorithm>

#include "controller/config_schema.h"

namespace spark {
namespace {

constexpr std::string_view kCredentialMask = "***";

// The [start, end) of the user-info of `url` (before the last '@' of its authority);
// nullopt when it has none.
std::optional<std::pair<size_t, size_t>> UserInfo(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t authority_end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  return std::make_pair(start, at);
}

}  // namespace

std::string MaskUrlCredentials(std::string_view url) {
  const auto info = UserInfo(url);
  if (!info) return std::string(url);
  return std::string(url.substr(0, info->first)) + std::string(kCredentialMask) +
         std::string(url.substr(info->second));
}

std::string StripUrlCredentials(std::string_view url) {
  const auto info = UserInfo(url);
  if (!info) return std::string(url);
  return std::string(url.substr(0, info->first)) + std::string(url.substr(info->second + 1));
}

bool HasMaskedCredentials(std::string_view url) {
  const auto info = UserInfo(url);
  return info && url.substr(info->first, info->second - info->first) == kCredentialMask;
}

}  // namespace spark
