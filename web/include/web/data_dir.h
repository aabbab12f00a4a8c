#pragma once
// Where spark-control keeps its state (API.md "Data dir").

#include <filesystem>

#include "exporter/status.h"
#include "web/cli_flags.h"

namespace spark {

struct DataDir {
  std::filesystem::path path;
  bool temporary = false;  // a demo's own dir, removed at exit
};

// --data-dir, else $SPARK_CONTROL_DATA (`env_value`, ignored in demo mode so a demo never
// touches real state), else a fresh temporary dir in demo mode, else ./data. The dir is
// created (0700) and temp files a crash left behind are removed. io_error when it cannot be.
Result<DataDir> ResolveDataDir(const Flags& flags, const char* env_value);

}  // namespace spark
