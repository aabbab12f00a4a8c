#include "controller/shell_quote.h"

#include <algorithm>

namespace spark {
namespace {

bool IsSafeShellChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

}  // namespace

std::string ShellQuote(std::string_view word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), IsSafeShellChar)) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string ShellJoin(std::span<const std::string> words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += ShellQuote(w);
  }
  return out;
}

std::string ShellQuotePath(std::string_view path) {
  if (path == "~") return "~";
  if (path.starts_with("~/")) {
    const std::string_view rest = path.substr(2);
    return rest.empty() ? std::string("~/") : "~/" + ShellQuote(rest);
  }
  return ShellQuote(path);
}

std::string NestedShell(std::string_view command_line) {
  return "sh -c " + ShellQuote(command_line);
}

std::string ShellJoinForReparse(std::span<const std::string> words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += ShellQuote(ShellQuote(w));
  }
  return out;
}

}  // namespace spark
