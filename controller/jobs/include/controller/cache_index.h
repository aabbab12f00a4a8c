#pragma once
// What each Spark's Hugging Face cache holds, kept in memory for GET /api/cache (issue 14:
// "served from a scan kept in memory … reads never wait on SSH"). One thread of its own scans
// every configured Spark (HfCommands::CacheScan through the executor) at start, every
// `interval`, and soon after RefreshSoon; a Spark whose rescan fails keeps its last good
// listing with the error beside it.
//
// Thread-safety: every public member may be called from any thread. Snapshot never waits on
// SSH (only on a quick copy under a mutex).

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/background_runs.h"
#include "controller/cache_listing.h"
#include "controller/config_store.h"
#include "controller/remote_executor.h"
#include "exporter/clock.h"

namespace spark {

struct CacheIndexDeps {
  RemoteExecutor& executor;
  std::function<ConfigPtr()> config;  // the cluster's configuration now
  const Clock& clock;                 // the interval and the scan times
};

// One Spark's cache as last scanned.
struct SparkCache {
  std::optional<CacheScan> scan;       // the last good scan; nullopt before the first
  std::optional<WallTime> scanned_at;  // when that scan began (the listing is as of then)
  std::string error;                   // why the latest scan failed; "" when it did not
};

class CacheIndex {
 public:
  // `interval` zero: no scan of its own, only those RefreshSoon asks for.
  explicit CacheIndex(CacheIndexDeps deps, Duration interval = std::chrono::minutes(10));
  // Stops the thread, cancels the scans under way and joins.
  ~CacheIndex();
  CacheIndex(const CacheIndex&) = delete;
  CacheIndex& operator=(const CacheIndex&) = delete;

  // A rescan of every configured Spark on the index's thread, soon: at once when it is idle,
  // else right after the scan under way (any number of calls meanwhile make one rescan).
  void RefreshSoon();
  // Every Spark configured now, each with its last scan (empty for one not scanned yet); a
  // Spark removed from the configuration is left out.
  std::map<std::string, SparkCache> Snapshot() const;

 private:
  void Loop();
  // Scans every configured Spark side by side; false when stopped meanwhile.
  bool ScanAll();

  CacheIndexDeps deps_;
  const Duration interval_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable_any cv_;
  bool stop_ = false;
  bool pending_;  // a scan is due at once (the first one, unless interval_ is zero)
  std::map<std::string, SparkCache> caches_;
  BackgroundRuns runs_;  // the scans under way, cancelled by the destructor
  std::thread thread_;   // last: starts once the members above exist
};

}  // namespace spark
