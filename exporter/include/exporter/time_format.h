#pragma once
// RFC 3339 UTC timestamps with milliseconds, the one format of the API and logs.

#include <optional>
#include <string>
#include <string_view>

#include "exporter/clock.h"

namespace spark {

// "2026-11-24T12:00:00.123Z".
std::string FormatRfc3339(WallTime t);
// Parses the format above (any number of fraction digits, or none); nullopt on anything else,
// including impossible dates and years outside 1678–2261 (what WallTime holds).
std::optional<WallTime> ParseRfc3339(std::string_view s);
// Seconds since the Unix epoch.
double UnixSeconds(WallTime t);

}  // namespace spark
