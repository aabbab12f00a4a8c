// The demo's Hugging Face side: detached downloads, the Sparks' caches and the Hub, played from
// the marker statements of the remote command lines (see simulated_downloads.h).
#include "demo/simulated_downloads.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>

#include "controller/cache_listing.h"
#include "simulated_hub.h"

namespace spark {
namespace {

using std::chrono::seconds;

constexpr int64_t kDemoGigabyte = 1000LL * 1000 * 1000;
constexpr int64_t kDemoMemTotal = 128 * kDemoGigabyte;
constexpr Duration kCopyTime = seconds(4);
constexpr const char* kCopyTarget = "spark2";

struct StoredRepo {
  int64_t bytes = 0;
  int64_t total = 0;
  std::string revision;
  int64_t modified = 0;  // unix seconds
};

int64_t Lerp(int64_t from, int64_t to, Duration at, Duration span) {
  if (at >= span) return to;
  if (at <= Duration{}) return from;
  return from + static_cast<int64_t>(static_cast<double>(to - from) *
                                     (std::chrono::duration<double>(at) / span));
}

SimulatedScript Reply(std::vector<std::string> lines, Duration latency, int exit_code = 0) {
  SimulatedScript script = SimulatedScript::Print(std::move(lines), {}, exit_code);
  if (!script.lines.empty()) script.lines.front().delay = latency;
  return script;
}

// The Sparks' Hugging Face caches: spark → repo → bytes. Thread-safe.
class SparkCaches {
 public:
  SparkCaches(const Clock& clock, const SimulatedHub& hub) : clock_(clock) {
    const int64_t now = UnixNow();
    int64_t age = 3;
    for (const auto& repo : hub.cached) {
      const HubRepo described = DescribeHubRepo(repo.hf_repo, "", hub.cached);
      const StoredRepo stored{repo.size_bytes, repo.size_bytes, described.sha, now - age++ * 86400};
      for (const char* spark : {"spark1", kCopyTarget}) {
        if (spark == std::string(kCopyTarget) && !repo.cluster) continue;
        caches_[spark][repo.hf_repo] = stored;
        initial_bytes_[spark] += repo.size_bytes;
      }
    }
  }

  void Store(const std::string& spark, const std::string& repo, const HubRepo& hub, int64_t bytes) {
    std::lock_guard lock(mu_);
    StoredRepo& stored = caches_[spark][repo];
    if (stored.bytes != bytes || stored.total != hub.total) stored.modified = UnixNow();
    stored = {bytes, hub.total, hub.sha, stored.modified};
  }
  void Erase(const std::string& spark, const std::string& repo) {
    std::lock_guard lock(mu_);
    caches_[spark].erase(repo);
  }
  int64_t Held(const std::string& spark, const std::string& repo) const {
    std::lock_guard lock(mu_);
    const auto cache = caches_.find(spark);
    if (cache == caches_.end()) return 0;
    const auto it = cache->second.find(repo);
    return it == cache->second.end() ? 0 : it->second.bytes;
  }
  int64_t Free(const std::string& spark) const {
    std::lock_guard lock(mu_);
    return FreeLocked(spark);
  }
  std::vector<std::string> Scan(const std::string& spark, const std::string& hf_hub) const {
    std::lock_guard lock(mu_);
    std::vector<std::string> lines = {"path " + hf_hub,
                                      "free " + std::to_string(FreeLocked(spark))};
    if (const auto it = caches_.find(spark); it != caches_.end()) {
      for (const auto& [repo, stored] : it->second) {
        if (stored.bytes <= 0) continue;
        lines.push_back("model " + CacheDirName(repo) + " " + std::to_string(stored.bytes) + " " +
                        std::to_string(stored.modified) + " " + stored.revision + " " +
                        (stored.bytes < stored.total ? "1" : "0"));
      }
    }
    return lines;
  }

 private:
  int64_t UnixNow() const {
    return std::chrono::duration_cast<seconds>(clock_.WallNow().time_since_epoch()).count();
  }
  int64_t FreeLocked(const std::string& spark) const {
    int64_t free = spark == "spark1"      ? 3200 * kDemoGigabyte
                   : spark == kCopyTarget ? 3100 * kDemoGigabyte
                                          : 3000 * kDemoGigabyte;
    if (const auto it = initial_bytes_.find(spark); it != initial_bytes_.end()) free += it->second;
    if (const auto it = caches_.find(spark); it != caches_.end()) {
      for (const auto& [repo, stored] : it->second) free -= stored.bytes;
    }
    return free;
  }

  const Clock& clock_;
  mutable std::mutex mu_;                                            // guards everything below
  std::map<std::string, std::map<std::string, StoredRepo>> caches_;  // spark → repo → bytes
  std::map<std::string, int64_t> initial_bytes_;                     // spark → bundled bytes
};

// A detached download: its bytes grow linearly, then copy to Spark 2 in cluster mode.
class DownloadPlay final : public DetachedPlay {
 public:
  DownloadPlay(std::shared_ptr<SparkCaches> caches, const SimulatedHub& hub,
               const RemoteCommand& command, const MarkerStatement& body)
      : caches_(std::move(caches)), spark_(command.spark) {
    const auto& keys = body.keys;
    repo_ = keys.count("repo") ? keys.at("repo") : "";
    copy_ = keys.count("copy") && keys.at("copy") == kCopyTarget;
    hub_ = DescribeHubRepo(repo_, keys.count("revision") ? keys.at("revision") : "", hub.cached);
    start_here_ = std::min(caches_->Held(spark_, repo_), hub_.total);
    start_copy_ = std::min(caches_->Held(kCopyTarget, repo_), hub_.total);
    const double rest = static_cast<double>(hub_.total - start_here_) /
                        static_cast<double>(std::max<int64_t>(1, hub_.total));
    download_ =
        std::max<Duration>(seconds(1), std::chrono::duration_cast<Duration>(hub_.download * rest));
    copying_ = copy_ ? kCopyTime : Duration{};
    if (repo_.find("stall") != std::string::npos) {
      stalls_after_ = std::chrono::duration_cast<Duration>(download_ * 0.6);
    }
    log_ = Log(hub.hf_hub);
  }

  const std::vector<PlayedLine>& log() const override { return log_; }
  Duration length() const override { return download_ + copying_; }
  std::optional<Duration> stalls_after() const override { return stalls_after_; }
  void Advance(Duration at, bool) override {
    caches_->Store(spark_, repo_, hub_, Lerp(start_here_, hub_.total, at, download_));
    if (copy_ && at >= download_) {
      caches_->Store(kCopyTarget, repo_, hub_,
                     Lerp(start_copy_, hub_.total, at - download_, copying_));
    }
  }
  std::optional<uint64_t> Measure() const override {
    return static_cast<uint64_t>(caches_->Held(spark_, repo_));
  }

 private:
  // What `hf download` prints (at info verbosity, progress bars off) while the bytes pass each
  // file, then the snapshot path; cluster mode announces the copy.
  std::vector<PlayedLine> Log(const std::string& hf_hub) const {
    const std::string dir = hf_hub + "/" + CacheDirName(repo_);
    std::vector<PlayedLine> log;
    const auto when = [&](int64_t bytes) {
      const int64_t rest = hub_.total - start_here_;
      if (rest <= 0 || bytes <= start_here_) return Duration{};
      return std::chrono::duration_cast<Duration>(
          download_ * (static_cast<double>(bytes - start_here_) / static_cast<double>(rest)));
    };
    int64_t at = 0;
    for (const auto& f : hub_.files) {
      const int64_t end = at + f.size;
      if (end > start_here_) {
        log.push_back({when(at), "Downloading '" + f.name + "' to '" + dir + "/blobs/" + f.blob +
                                     ".incomplete'"});
        log.push_back({when(end), "Download complete. Moving file to " + dir + "/blobs/" + f.blob});
      }
      at = end;
    }
    log.push_back({download_, dir + "/snapshots/" + hub_.sha});
    if (copy_) log.push_back({download_, "spark-control-phase copying"});
    return log;
  }

  const std::shared_ptr<SparkCaches> caches_;
  const std::string spark_;  // where it runs
  std::string repo_;
  bool copy_ = false;
  HubRepo hub_;
  Duration download_{};
  Duration copying_{};
  int64_t start_here_ = 0;                // bytes already in the cache (a resumed download)
  int64_t start_copy_ = 0;                // bytes already on the copy's target
  std::optional<Duration> stalls_after_;  // a repo named *stall*: no byte after this, ever
  std::vector<PlayedLine> log_;
};

class HfWorld {
 public:
  HfWorld(const Clock& clock, SimulatedHub hub, std::shared_ptr<SimulatedDetachedJobs> detached)
      : hub_(std::move(hub)),
        caches_(std::make_shared<SparkCaches>(clock, hub_)),
        detached_(std::move(detached)) {
    detached_->AddPlay("download", [caches = caches_, hub = hub_](const RemoteCommand& command,
                                                                  const MarkerStatement& body) {
      return std::make_unique<DownloadPlay>(caches, hub, command, body);
    });
  }

  SimulatedScript Answer(const RemoteCommand& command) {
    const auto marker = FindMarker(command.line);
    if (!marker) return {};
    detached_->Settle();  // the caches as the downloads left them by now
    const std::string& verb = marker->verb;
    const auto key = [&](const char* name) {
      const auto it = marker->keys.find(name);
      return it == marker->keys.end() ? std::string() : it->second;
    };
    if (verb == "space") {
      return Reply({"free " + std::to_string(caches_->Free(command.spark)),
                    "have " + std::to_string(caches_->Held(command.spark, key("repo"))),
                    "memtotal " + std::to_string(kDemoMemTotal)},
                   hub_.latency);
    }
    if (verb == "hub") {
      return Reply(
          HubAnswerLines(key("repo"), DescribeHubRepo(key("repo"), key("revision"), hub_.cached)),
          hub_.latency * 4);
    }
    if (verb == "cache-scan")
      return Reply(caches_->Scan(command.spark, hub_.hf_hub), hub_.latency * 2);
    if (verb == "cache-delete") {
      caches_->Erase(command.spark, key("repo"));
      return Reply({"deleted"}, hub_.latency * 2);
    }
    return {};
  }

 private:
  const SimulatedHub hub_;
  const std::shared_ptr<SparkCaches> caches_;
  const std::shared_ptr<SimulatedDetachedJobs> detached_;
};

}  // namespace

std::vector<CachedRepo> BundledCacheRepos() {
  return {{"Qwen/Qwen3-VL-30B-A3B-Instruct-FP8", 31'874'512'896, false},
          {"google/gemma-4-26B-A4B-it", 51'622'047'744, false},
          {"RedHatAI/Qwen3.6-35B-A3B-NVFP4", 22'317'809'664, false},
          {"Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", 236'408'141'824, true},
          {"Qwen/Qwen2.5-72B-Instruct", 145'412'198'400, true}};
}

void AddHfRules(SimulatedExecutor& executor, const Clock& clock, SimulatedHub hub,
                std::shared_ptr<SimulatedDetachedJobs> detached) {
  if (!detached) detached = std::make_shared<SimulatedDetachedJobs>(clock);
  const Duration latency = hub.latency;
  auto world = std::make_shared<HfWorld>(clock, std::move(hub), detached);
  executor.On(": spark-control-",
              [world](const RemoteCommand& command) { return world->Answer(command); });
  AddDetachedRules(executor, std::move(detached), latency);
}

}  // namespace spark
