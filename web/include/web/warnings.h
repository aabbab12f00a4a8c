#pragma once
// The warnings /api/status shows (and the log prints at start): what an operator should fix.

#include <optional>
#include <string>
#include <vector>

#include "controller/config.h"

namespace spark {

struct WarningSources {
  std::vector<std::string> startup_notes;    // fallbacks taken at start (config, catalog)
  std::optional<std::string> audit_failure;  // the audit log cannot be written
  bool open_beyond_loopback = false;         // --listen is not a 127.x address
};

// Start-up notes, then the audit log's failure, then the config's own warnings, then the
// missing token when the port is open beyond loopback. Pure.
std::vector<std::string> CurrentWarnings(const Config& config, const WarningSources& sources);

// True for a --listen address on the loopback network (127.0.0.0/8).
bool ListensOnLoopbackOnly(const std::string& listen);

}  // namespace spark
