#pragma once
// The command line of spark-control. Pure: parsing prints nothing and exits nothing, it says
// what to print and with which code to exit, so the binary and the tests share one parser.

#include <optional>
#include <string>
#include <variant>

#include "exporter/log.h"

namespace spark {

struct Flags {
  std::optional<std::string> config;     // --config FILE: the operator file (never written)
  std::optional<std::string> data_dir;   // --data-dir DIR
  std::string listen = "0.0.0.0:9999";   // --listen ADDR:PORT
  bool demo = false;                     // --demo
  LogLevel log_level = LogLevel::kInfo;  // --log-level
};

// What to do instead of running: print `out` (stdout) or `err` (stderr), exit with `code`.
struct FlagsExit {
  int code = 0;
  std::string out;
  std::string err;
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 1;
inline constexpr int kExitUsage = 2;

// Parses argv (GNU getopt_long: `--flag value` and `--flag=value`, no positional words).
// --help and --version answer a FlagsExit with code 0; an unknown flag, a missing or empty
// value or a bad --log-level one with code 2 and the reason.
std::variant<Flags, FlagsExit> ParseFlags(int argc, char* const* argv, std::string_view version);

}  // namespace spark
