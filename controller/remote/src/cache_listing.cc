#include "controller/cache_listing.h"

#include <set>

#include "controller/remote_names.h"
#include "remote_words.h"

namespace spark {
namespace {

constexpr std::string_view kModelsPrefix = "models--";
// Unix seconds past this (year 2255) do not fit a WallTime's nanoseconds safely.
constexpr uint64_t kMaxUnixSeconds = 9'000'000'000;

// A revision as the cache names it (a commit sha, a branch): a safe word, else "".
std::string CacheRevision(std::string_view word) {
  if (word.empty() || word.size() > 128 || word == "-" || word.find("..") != word.npos) return {};
  for (char c : word) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!safe) return {};
  }
  return std::string(word);
}

std::optional<CachedModel> ReadModelLine(std::string_view rest) {
  const auto words = SplitWords(rest, 6);
  if (words.size() != 5) return std::nullopt;
  auto repo = RepoFromCacheDir(words[0]);
  const auto size = ParseCount(words[1]);
  const auto mtime = ParseCount(words[2]);
  const auto incomplete = ParseCount(words[4]);
  if (!repo || !size || !mtime || *mtime > kMaxUnixSeconds || !incomplete) return std::nullopt;
  CachedModel model;
  model.hf_repo = std::move(*repo);
  model.revision = CacheRevision(words[3]);
  model.size_bytes = *size;
  model.modified = WallTime(std::chrono::seconds(static_cast<int64_t>(*mtime)));
  model.complete = *incomplete == 0;
  return model;
}

bool IsCachePath(std::string_view path) {
  return path.starts_with('/') && path.size() <= 4096 && !HasControlChar(path);
}

// Sets `slot` from the count after "KEY " once.
void TakeCount(std::string_view line, std::string_view key, std::optional<uint64_t>& slot) {
  if (slot) return;
  if (const auto value = AfterKey(line, key)) slot = ParseCount(*value);
}

}  // namespace

std::string CacheDirName(std::string_view repo) {
  std::string dir(kModelsPrefix);
  if (const size_t slash = repo.find('/'); slash != std::string_view::npos) {
    dir.append(repo.substr(0, slash)).append("--").append(repo.substr(slash + 1));
  } else {
    dir.append(repo);
  }
  return dir;
}

std::optional<std::string> RepoFromCacheDir(std::string_view dir) {
  if (!dir.starts_with(kModelsPrefix)) return std::nullopt;
  std::string repo(dir.substr(kModelsPrefix.size()));
  if (const size_t sep = repo.find("--"); sep != std::string::npos) repo.replace(sep, 2, "/");
  if (!ValidateHfRepo(repo).ok() || CacheDirName(repo) != dir) return std::nullopt;
  return repo;
}

Result<CacheScan> ParseCacheScan(const std::vector<std::string>& lines) {
  CacheScan scan;
  bool have_path = false;
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    if (const auto path = AfterKey(line, "path"); path && !have_path && IsCachePath(*path)) {
      scan.path = std::string(*path);
      have_path = true;
    } else if (const auto rest = AfterKey(line, "model")) {
      if (scan.models.size() >= kMaxCachedModels) continue;
      auto model = ReadModelLine(*rest);
      if (model && seen.insert(model->hf_repo).second) scan.models.push_back(std::move(*model));
    } else {
      TakeCount(line, "free", scan.free_bytes);
    }
  }
  if (!have_path) {
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "the Spark's cache scan did not say where its Hugging Face cache is");
  }
  return scan;
}

CacheSpace ParseCacheSpace(const std::vector<std::string>& lines) {
  CacheSpace space;
  for (const std::string& line : lines) {
    TakeCount(line, "free", space.free_bytes);
    TakeCount(line, "have", space.have_bytes);
    TakeCount(line, "memtotal", space.mem_total);
  }
  return space;
}

}  // namespace spark
