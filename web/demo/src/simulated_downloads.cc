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
constexpr size_t kPollChunk = 65536;
constexpr Duration kCopyTime = seconds(4);
constexpr const char* kCopyTarget = "spark2";

struct StoredRepo {
  int64_t bytes = 0;
  int64_t total = 0;
  std::string revision;
  int64_t modified = 0;  // unix seconds
};

struct DetachedJob {
  std::string spark;  // where it runs
  std::string repo;   // empty: detached work other than a download (it ends at once)
  bool copy = false;
  int pid = 0;
  HubRepo hub;
  SteadyTime started{};
  Duration download{};
  Duration copying{};
  int64_t start_here = 0;  // bytes already in the cache (a resumed download)
  int64_t start_copy = 0;  // bytes already on the copy's target
  std::vector<std::pair<Duration, std::string>> log;  // each line at its time from the start
  std::optional<SteadyTime> killed;
  std::optional<Duration> stalls_after;  // a repo named *stall*: no byte after this, ever
  bool settled = false;                  // its final bytes are in the caches
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

// What `hf download` prints (at info verbosity, progress bars off) while the bytes pass each
// file, then the snapshot path; cluster mode announces the copy.
std::vector<std::pair<Duration, std::string>> DownloadLog(const DetachedJob& job,
                                                          const std::string& hf_hub) {
  const std::string dir = hf_hub + "/" + CacheDirName(job.repo);
  std::vector<std::pair<Duration, std::string>> log;
  const auto when = [&](int64_t bytes) {
    const int64_t rest = job.hub.total - job.start_here;
    if (rest <= 0 || bytes <= job.start_here) return Duration{};
    return std::chrono::duration_cast<Duration>(
        job.download * (static_cast<double>(bytes - job.start_here) / static_cast<double>(rest)));
  };
  int64_t at = 0;
  for (const auto& f : job.hub.files) {
    const int64_t end = at + f.size;
    if (end > job.start_here) {
      log.emplace_back(when(at), "Downloading '" + f.name + "' to '" + dir + "/blobs/" + f.blob +
                                     ".incomplete'");
      log.emplace_back(when(end), "Download complete. Moving file to " + dir + "/blobs/" + f.blob);
    }
    at = end;
  }
  log.emplace_back(job.download, dir + "/snapshots/" + job.hub.sha);
  if (job.copy) log.emplace_back(job.download, "spark-control-phase copying");
  return log;
}

class HfWorld {
 public:
  HfWorld(const Clock& clock, SimulatedHub hub) : clock_(clock), hub_(std::move(hub)) {
    const int64_t now = UnixNow();
    int64_t age = 3;
    for (const auto& repo : hub_.cached) {
      const HubRepo described = DescribeHubRepo(repo.hf_repo, "", hub_.cached);
      const StoredRepo stored{repo.size_bytes, repo.size_bytes, described.sha, now - age++ * 86400};
      for (const char* spark : {"spark1", kCopyTarget}) {
        if (spark == std::string(kCopyTarget) && !repo.cluster) continue;
        caches_[spark][repo.hf_repo] = stored;
        initial_bytes_[spark] += repo.size_bytes;
      }
    }
  }

  SimulatedScript Answer(const RemoteCommand& command) {
    const auto marker = FindMarker(command.line);
    if (!marker) return {};
    std::lock_guard lock(mu_);
    Settle();
    const std::string& verb = marker->verb;
    const auto key = [&](const char* name) {
      const auto it = marker->keys.find(name);
      return it == marker->keys.end() ? std::string() : it->second;
    };
    if (verb == "space") return Reply(Space(command.spark, key("repo")), hub_.latency);
    if (verb == "hub") {
      return Reply(
          HubAnswerLines(key("repo"), DescribeHubRepo(key("repo"), key("revision"), hub_.cached)),
          hub_.latency * 4);
    }
    if (verb == "detach") return Reply(Detach(command, key("dir")), hub_.latency);
    if (verb == "poll") return Reply(Poll(key("dir"), key("offset"), key("measure")), hub_.latency);
    if (verb == "kill") return Reply(Kill(key("dir")), hub_.latency);
    if (verb == "cache-scan") return Reply(Scan(command.spark), hub_.latency * 2);
    if (verb == "cache-delete") {
      caches_[command.spark].erase(key("repo"));
      return Reply({"deleted"}, hub_.latency * 2);
    }
    return {};
  }

 private:
  int64_t UnixNow() const {
    return std::chrono::duration_cast<seconds>(clock_.WallNow().time_since_epoch()).count();
  }

  // How far the job got: its clock stops at a kill, or where it stalls.
  Duration Elapsed(const DetachedJob& job) const {
    const Duration at = (job.killed ? *job.killed : clock_.Now()) - job.started;
    return job.stalls_after ? std::min(at, *job.stalls_after) : at;
  }
  bool Finished(const DetachedJob& job) const {
    return !job.killed && Elapsed(job) >= job.download + job.copying;
  }

  void Store(const std::string& spark, const DetachedJob& job, int64_t bytes) {
    StoredRepo& stored = caches_[spark][job.repo];
    if (stored.bytes != bytes || stored.total != job.hub.total) stored.modified = UnixNow();
    stored = {bytes, job.hub.total, job.hub.sha, stored.modified};
  }

  // Writes the bytes of the downloads that run (or ended since) into the caches.
  void Settle() {
    for (auto& [dir, job] : jobs_) {
      if (job.settled || job.repo.empty()) continue;
      const Duration at = Elapsed(job);
      Store(job.spark, job, Lerp(job.start_here, job.hub.total, at, job.download));
      if (job.copy && at >= job.download) {
        Store(kCopyTarget, job,
              Lerp(job.start_copy, job.hub.total, at - job.download, job.copying));
      }
      job.settled = job.killed || Finished(job);
    }
  }

  int64_t Held(const std::string& spark, const std::string& repo) const {
    const auto cache = caches_.find(spark);
    if (cache == caches_.end()) return 0;
    const auto it = cache->second.find(repo);
    return it == cache->second.end() ? 0 : it->second.bytes;
  }

  int64_t Free(const std::string& spark) const {
    int64_t free = spark == "spark1"      ? 3200 * kDemoGigabyte
                   : spark == kCopyTarget ? 3100 * kDemoGigabyte
                                          : 3000 * kDemoGigabyte;
    if (const auto it = initial_bytes_.find(spark); it != initial_bytes_.end()) free += it->second;
    if (const auto it = caches_.find(spark); it != caches_.end()) {
      for (const auto& [repo, stored] : it->second) free -= stored.bytes;
    }
    return free;
  }

  std::vector<std::string> Space(const std::string& spark, const std::string& repo) const {
    return {"free " + std::to_string(Free(spark)), "have " + std::to_string(Held(spark, repo)),
            "memtotal " + std::to_string(kDemoMemTotal)};
  }

  std::vector<std::string> Detach(const RemoteCommand& command, const std::string& dir) {
    DetachedJob job;
    job.spark = command.spark;
    job.pid = next_pid_++;
    job.started = clock_.Now();
    if (const auto download = FindMarker(command.line, "download")) {
      const auto& keys = download->keys;
      job.repo = keys.count("repo") ? keys.at("repo") : "";
      job.copy = keys.count("copy") && keys.at("copy") == kCopyTarget;
      job.hub =
          DescribeHubRepo(job.repo, keys.count("revision") ? keys.at("revision") : "", hub_.cached);
      job.start_here = std::min(Held(job.spark, job.repo), job.hub.total);
      job.start_copy = std::min(Held(kCopyTarget, job.repo), job.hub.total);
      const double rest = static_cast<double>(job.hub.total - job.start_here) /
                          static_cast<double>(std::max<int64_t>(1, job.hub.total));
      job.download = std::max<Duration>(
          seconds(1), std::chrono::duration_cast<Duration>(job.hub.download * rest));
      job.copying = job.copy ? kCopyTime : Duration{};
      if (job.repo.find("stall") != std::string::npos) {
        job.stalls_after = std::chrono::duration_cast<Duration>(job.download * 0.6);
      }
      job.log = DownloadLog(job, hub_.hf_hub);
    }
    const int pid = job.pid;
    jobs_[dir] = std::move(job);
    return {"spark-control-detached pid=" + std::to_string(pid)};
  }

  std::vector<std::string> Poll(const std::string& dir, const std::string& offset,
                                const std::string& measure) const {
    const auto it = jobs_.find(dir);
    if (it == jobs_.end()) return {"spark-control-poll gone"};
    const DetachedJob& job = it->second;
    const Duration at = Elapsed(job);
    std::string log;
    for (const auto& [when, text] : job.log) {
      if (when <= at) log += text + "\n";
    }
    const size_t from = std::min<size_t>(std::strtoull(offset.c_str(), nullptr, 10), log.size());
    const size_t next = std::min(log.size(), from + kPollChunk);
    const bool ended = job.killed || Finished(job) || job.repo.empty();
    std::optional<uint64_t> bytes;
    if (measure == "1" && !job.repo.empty())
      bytes = static_cast<uint64_t>(Held(job.spark, job.repo));
    return PollReplyLines({!ended, ended && !job.killed ? std::optional<int>(0) : std::nullopt,
                           log.size(), next, bytes},
                          log.substr(from, next - from));
  }

  std::vector<std::string> Kill(const std::string& dir) {
    const auto it = jobs_.find(dir);
    if (it == jobs_.end()) return {"spark-control-killed pid=none"};
    DetachedJob& job = it->second;
    if (!Finished(job) && !job.killed) job.killed = clock_.Now();
    Settle();
    return {"spark-control-killed pid=" + std::to_string(job.pid)};
  }

  std::vector<std::string> Scan(const std::string& spark) const {
    std::vector<std::string> lines = {"path " + hub_.hf_hub, "free " + std::to_string(Free(spark))};
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

  const Clock& clock_;
  const SimulatedHub hub_;
  std::mutex mu_;                                                    // guards everything below
  std::map<std::string, DetachedJob> jobs_;                          // by job dir
  std::map<std::string, std::map<std::string, StoredRepo>> caches_;  // spark → repo → bytes
  std::map<std::string, int64_t> initial_bytes_;                     // spark → bundled bytes
  int next_pid_ = 48210;
};

}  // namespace

std::vector<std::string> PollReplyLines(const PollState& state, std::string chunk) {
  std::replace(chunk.begin(), chunk.end(), '\r', '\n');
  const auto number = [](const auto& value) {
    return value ? std::to_string(*value) : std::string();
  };
  std::vector<std::string> lines = {
      "spark-control-poll alive=" + std::string(state.alive ? "1" : "0") +
      " status=" + number(state.status) + " size=" + std::to_string(state.size) +
      " next=" + std::to_string(state.next) + " bytes=" + number(state.bytes)};
  size_t start = 0;
  for (size_t nl = chunk.find('\n'); nl != std::string::npos; nl = chunk.find('\n', start)) {
    lines.push_back(chunk.substr(start, nl - start));
    start = nl + 1;
  }
  lines.push_back(chunk.substr(start));  // the carry
  lines.push_back("spark-control-poll-end");
  return lines;
}

std::vector<CachedRepo> BundledCacheRepos() {
  return {{"Qwen/Qwen3-VL-30B-A3B-Instruct-FP8", 31'874'512'896, false},
          {"google/gemma-4-26B-A4B-it", 51'622'047'744, false},
          {"RedHatAI/Qwen3.6-35B-A3B-NVFP4", 22'317'809'664, false},
          {"Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", 236'408'141'824, true},
          {"Qwen/Qwen2.5-72B-Instruct", 145'412'198'400, true}};
}

void AddHfRules(SimulatedExecutor& executor, const Clock& clock, SimulatedHub hub) {
  auto world = std::make_shared<HfWorld>(clock, std::move(hub));
  executor.On(": spark-control-",
              [world](const RemoteCommand& command) { return world->Answer(command); });
}

}  // namespace spark
