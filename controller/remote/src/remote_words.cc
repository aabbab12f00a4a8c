#include "remote_words.h"

#include <algorithm>
#include <charconv>

namespace spark {

std::optional<uint64_t> ParseCount(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> SplitWords(std::string_view line, size_t max) {
  std::vector<std::string_view> words;
  size_t at = 0;
  while (words.size() < max) {
    at = line.find_first_not_of(' ', at);
    if (at == std::string_view::npos) break;
    size_t end = line.find(' ', at);
    if (end == std::string_view::npos) end = line.size();
    words.push_back(line.substr(at, end - at));
    at = end;
  }
  return words;
}

std::optional<std::string_view> AfterKey(std::string_view line, std::string_view key) {
  if (line.size() <= key.size() || !line.starts_with(key) || line[key.size()] != ' ') {
    return std::nullopt;
  }
  return line.substr(key.size() + 1);
}

std::string_view NextLine(std::string_view out, size_t& at) {
  const size_t end = std::min(out.find('\n', at), out.size());
  std::string_view line = out.substr(at, end - at);
  at = end + 1;
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

}  // namespace spark
