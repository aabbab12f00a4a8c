#include "web/cli_flags.h"

#include <getopt.h>

#include <vector>

namespace spark {
namespace {

constexpr const char* kUsage =
    "usage: spark-control [--config FILE] [--data-dir DIR] [--listen ADDR:PORT] [--demo]\n"
    "                     [--log-level debug|info|warn|error] [--version] [--help]\n"
    "\n"
    "Control panel and Prometheus exporter for a two-node DGX Spark LLM cluster.\n"
    "  --config FILE      operator config (YAML; never written by the process)\n"
    "  --data-dir DIR     state dir (default $SPARK_CONTROL_DATA or ./data)\n"
    "  --listen ADDR:PORT IPv4 address to serve on (default 0.0.0.0:9999; port 0 = any free)\n"
    "  --demo             run against a simulated cluster inside the process\n"
    "  --log-level LEVEL  default info; debug adds the access log\n";

enum Option : int { kConfig = 1, kDataDir, kListen, kDemo, kLogLevel, kVersion, kHelp };

constexpr option kOptions[] = {
    {"config", required_argument, nullptr, kConfig},
    {"data-dir", required_argument, nullptr, kDataDir},
    {"listen", required_argument, nullptr, kListen},
    {"demo", no_argument, nullptr, kDemo},
    {"log-level", required_argument, nullptr, kLogLevel},
    {"version", no_argument, nullptr, kVersion},
    {"help", no_argument, nullptr, kHelp},
    {nullptr, 0, nullptr, 0},
};

FlagsExit Usage(std::string reason) {
  return {kExitUsage, "", "spark-control: " + std::move(reason) + "\n" + kUsage};
}

}  // namespace

std::variant<Flags, FlagsExit> ParseFlags(int argc, char* const* argv, std::string_view version) {
  Flags flags;
  // getopt_long keeps its place in globals: start over, and keep it from printing or permuting.
  optind = 0;
  opterr = 0;
  const std::string shortopts = "+:h";
  int index = 0;
  for (int c; (c = getopt_long(argc, argv, shortopts.c_str(), kOptions, &index)) != -1;) {
    const std::string value = optarg != nullptr ? optarg : "";
    const bool takes_value = c == kConfig || c == kDataDir || c == kListen || c == kLogLevel;
    if (takes_value && value.empty()) {
      return Usage(std::string("--") + kOptions[index].name + " needs a value");
    }
    switch (c) {
      case kConfig:
        flags.config = value;
        break;
      case kDataDir:
        flags.data_dir = value;
        break;
      case kListen:
        flags.listen = value;
        break;
      case kDemo:
        flags.demo = true;
        break;
      case kLogLevel: {
        const auto level = ParseLogLevel(value);
        if (!level) return Usage("--log-level must be debug, info, warn or error");
        flags.log_level = *level;
        break;
      }
      case kVersion:
        return FlagsExit{kExitOk, "spark-control " + std::string(version) + "\n", ""};
      case 'h':
      case kHelp:
        return FlagsExit{kExitOk, kUsage, ""};
      case ':':
        return Usage(std::string(argv[optind - 1]) + " needs a value");
      default:
        return Usage("unknown argument '" + std::string(argv[optind - 1]) + "'");
    }
  }
  if (optind < argc) return Usage("unknown argument '" + std::string(argv[optind]) + "'");
  return flags;
}

}  // namespace spark
