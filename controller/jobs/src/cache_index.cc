#include "controller/cache_index.h"

#include "controller/hf_commands.h"

namespace spark {
CacheIndex::CacheIndex(CacheIndexDeps deps, Duration interval)
    : deps_(std::move(deps)),
      interval_(interval),
      pending_(interval > Duration::zero()),
      runs_(deps_.executor),
      thread_([this] { Loop(); }) {}

CacheIndex::~CacheIndex() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  runs_.Stop();
  cv_.notify_all();
  thread_.join();
}

void CacheIndex::RefreshSoon() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

std::map<std::string, SparkCache> CacheIndex::Snapshot() const {
  const ConfigPtr config = deps_.config();
  std::map<std::string, SparkCache> snapshot;
  if (!config) return snapshot;
  std::lock_guard lock(mu_);
  for (const std::string& spark : ConfiguredSparks(*config)) {
    const auto it = caches_.find(spark);
    snapshot[spark] = it == caches_.end() ? SparkCache{} : it->second;
  }
  return snapshot;
}

void CacheIndex::Loop() {
  // Without an interval the index scans only when asked: wait "forever" between requests.
  const Duration period = interval_ > Duration::zero() ? interval_ : std::chrono::hours(24 * 365);
  SteadyTime next = deps_.clock.Now() + (interval_ > Duration::zero() ? Duration::zero() : period);
  std::unique_lock lock(mu_);
  while (!stop_) {
    deps_.clock.WaitUntil(lock, cv_, next, [&] { return stop_ || pending_; });
    if (stop_) break;
    if (!pending_ && deps_.clock.Now() < next) continue;
    pending_ = false;
    lock.unlock();
    const bool finished = ScanAll();
    lock.lock();
    if (!finished) break;
    next = deps_.clock.Now() + period;
  }
}

bool CacheIndex::ScanAll() {
  ConfigPtr config = deps_.config();
  if (!config) config = std::make_shared<const Config>();
  const std::vector<std::string> sparks = ConfiguredSparks(*config);
  const RemoteCommandLine scan = HfCommands(HfSettings::FromConfig(*config)).CacheScan();
  // A listing is as of its scan's start: one begun before a job ended may not show the job, and
  // clients (the UI after a download) compare scanned_at with the job's ended_at.
  const WallTime started = deps_.clock.WallNow();
  // Side by side: a Spark that does not answer holds up no other (at most limits.max_sparks).
  std::vector<CollectedOutput> outputs(sparks.size());
  std::vector<std::thread> scans;
  for (size_t i = 0; i < sparks.size(); ++i) {
    scans.emplace_back(
        [this, &outputs, &sparks, &scan, i] { outputs[i] = runs_.Collect(sparks[i], scan); });
  }
  for (std::thread& t : scans) t.join();
  runs_.Clear();
  std::lock_guard lock(mu_);
  if (stop_) return false;
  std::map<std::string, SparkCache> caches;
  for (size_t i = 0; i < sparks.size(); ++i) {
    SparkCache cache = caches_[sparks[i]];  // a failed rescan keeps the last good listing
    Result<CacheScan> parsed = outputs[i].outcome.status.ok()
                                   ? ParseCacheScan(outputs[i].stdout_lines)
                                   : Result<CacheScan>(outputs[i].outcome.status);
    if (parsed.ok()) {
      cache = SparkCache{std::move(parsed).value(), started, ""};
    } else {
      cache.error = parsed.status().message();
    }
    caches[sparks[i]] = std::move(cache);
  }
  caches_ = std::move(caches);  // a Spark no longer configured is dropped
  return true;
}

}  // namespace spark
