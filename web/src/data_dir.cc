#include "web/data_dir.h"

#include <cstdlib>

#include "exporter/file_io.h"

namespace spark {

Result<DataDir> ResolveDataDir(const Flags& flags, const char* env_value) {
  DataDir dir;
  if (flags.data_dir) {
    dir.path = *flags.data_dir;
  } else if (env_value != nullptr && *env_value != '\0' && !flags.demo) {
    dir.path = env_value;
  } else if (flags.demo) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "spark-control-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Status::Error(ErrorCode::kIoError, "cannot create a temporary data dir");
    }
    dir.path = pattern;
    dir.temporary = true;
  } else {
    dir.path = "data";
  }
  if (Status s = EnsureDirectory(dir.path); !s.ok()) return s;
  RemoveStaleTemps(dir.path);
  return dir;
}

}  // namespace spark
