#include "web/host_names.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "web/http.h"

namespace spark {
namespace {

// Lower case, without the trailing dots of a fully qualified name.
std::string NameAsCompared(std::string_view s) {
  std::string out = AsciiLower(s);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

void AddName(std::vector<std::string>& names, const std::string& name) {
  if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
    names.push_back(name);
  }
}

}  // namespace

std::vector<std::string> HostNamesFor(std::string_view hostname, std::string_view resolv_conf) {
  std::vector<std::string> names;
  const std::string full = NameAsCompared(hostname);
  if (full.empty()) return names;
  const std::string bare = full.substr(0, full.find('.'));
  AddName(names, full);
  AddName(names, bare);
  AddName(names, bare + ".local");
  std::istringstream lines{std::string(resolv_conf)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string keyword;
    words >> keyword;
    if (keyword != "domain" && keyword != "search") continue;
    std::string domain;
    while (words >> domain) {
      if (domain.front() == '#' || domain.front() == ';') break;
      if (const std::string d = NameAsCompared(domain); !d.empty()) AddName(names, bare + "." + d);
    }
  }
  return names;
}

std::vector<std::string> OwnHostNames() {
  char hostname[256] = {0};
  if (gethostname(hostname, sizeof hostname - 1) != 0) return {};
  std::string resolv(64 * 1024, '\0');
  std::ifstream file("/etc/resolv.conf", std::ios::binary);
  file.read(resolv.data(), static_cast<std::streamsize>(resolv.size()));
  resolv.resize(static_cast<size_t>(std::max<std::streamsize>(file.gcount(), 0)));
  return HostNamesFor(hostname, resolv);
}

}  // namespace spark
