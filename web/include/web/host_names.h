#pragma once
// The machine's own host names, which a browser may use to reach the panel (API.md
// "Cross-site default": the bare name, `.local`, or with its domain).

#include <string>
#include <string_view>
#include <vector>

namespace spark {

// Pure: the names for `hostname` given the text of /etc/resolv.conf — the bare name, its
// first label if it is dotted, NAME.local, and NAME.DOMAIN for the `domain` and `search`
// entries. Lower case, no duplicates.
std::vector<std::string> HostNamesFor(std::string_view hostname, std::string_view resolv_conf);

// gethostname(2) and /etc/resolv.conf (read at most 64 KiB); no network lookups, so it is
// safe at start-up. Empty when the host name is unknown.
std::vector<std::string> OwnHostNames();

}  // namespace spark
