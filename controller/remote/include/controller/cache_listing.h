#pragma once
// The Hugging Face cache on a Spark as the cache-scan and space commands report it (markers
// `spark-control-cache-scan` and `spark-control-space` of issue 14's design), and the mapping
// between repo ids and the cache's directory names. Pure, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

// "ORG/NAME" → "models--ORG--NAME", "NAME" → "models--NAME". `repo` must have passed
// ValidateHfRepo (which rules out "--"), so the mapping is one to one.
std::string CacheDirName(std::string_view repo);
// The inverse: the repo id of a model directory; nullopt for anything else (datasets--…,
// .locks, a name whose repo would fail ValidateHfRepo).
std::optional<std::string> RepoFromCacheDir(std::string_view dir);

struct CachedModel {
  std::string hf_repo, revision;  // revision "" when the cache names none
  uint64_t size_bytes = 0;
  WallTime modified{};
  bool complete = true;  // no `*.incomplete` file under blobs/
};

struct CacheScan {
  std::string path;  // HF_HOME/hub on the Spark, resolved (absolute)
  std::optional<uint64_t> free_bytes;
  std::vector<CachedModel> models;  // in the order listed, each repo once
};

// No Spark's cache holds more; the rest of a longer listing is left out.
inline constexpr size_t kMaxCachedModels = 1000;

// Reads `path ABS`, `free N` and `model DIR SIZE MTIME REV INCOMPLETE` lines. A model line
// that cannot be read, whose DIR is no valid repo or repeats one, is skipped; other lines are
// ignored. remote_command_failed only when no absolute `path` is given.
Result<CacheScan> ParseCacheScan(const std::vector<std::string>& lines);

struct CacheSpace {
  std::optional<uint64_t> free_bytes, have_bytes, mem_total;
};
// Reads `free N`, `have N` and `memtotal N` (the first readable one of each); what is
// missing or unreadable stays nullopt.
CacheSpace ParseCacheSpace(const std::vector<std::string>& lines);

}  // namespace spark
