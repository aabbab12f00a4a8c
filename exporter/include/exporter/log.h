#pragma once
// Process log on stderr: "2026-11-24T12:00:00.123Z level message". Thread-safe.

#include <optional>
#include <string_view>

namespace spark {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

std::optional<LogLevel> ParseLogLevel(std::string_view name);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view message);

}  // namespace spark
