// The cache scan's output (ParseCacheScan) and the space check's (ParseCacheSpace) as the
// executor delivers them. A read scan has an absolute path and at most 1,000 distinct models,
// each a valid repo whose directory name maps back to it, with a revision that is a safe
// word; any directory name that maps to a repo maps back to the same name.
#include <set>

#include "controller/cache_listing.h"
#include "controller/remote_names.h"
#include "fuzz_lines.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

void FuzzCacheScan(std::string_view input) {
  const std::vector<std::string> lines = ExecutorLines(input);
  (void)ParseCacheSpace(lines);
  for (const std::string& line : lines) {
    if (const auto repo = RepoFromCacheDir(line)) {
      Require(CacheDirName(*repo) == line, "a cache directory maps to one repo and back");
    }
  }
  const auto scan = ParseCacheScan(lines);
  if (!scan.ok()) {
    Require(scan.status().code() == ErrorCode::kRemoteCommandFailed,
            "a scan without a path is remote_command_failed");
    return;
  }
  Require(scan->path.starts_with('/'), "the cache path is absolute");
  Require(scan->models.size() <= kMaxCachedModels, "at most 1,000 models");
  std::set<std::string> repos;
  for (const CachedModel& model : scan->models) {
    Require(ValidateHfRepo(model.hf_repo).ok(), "a listed model is a valid repo");
    Require(RepoFromCacheDir(CacheDirName(model.hf_repo)) == model.hf_repo,
            "a listed repo's directory maps back to it");
    Require(repos.insert(model.hf_repo).second, "each repo is listed once");
    for (char c : model.revision) {
      Require((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-',
              "a revision is a safe word");
    }
  }
}

}  // namespace spark::fuzz
