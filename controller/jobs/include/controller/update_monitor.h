#pragma once
// How the spark-vllm-docker checkout on the head compares with its upstream, which launch
// image every Spark holds, and which vLLM version runs, kept in memory for GET /api/update
// (issue 15: "reads never wait on SSH"). One thread of its own checks at start (unless told
// not to), every `update.check_interval_s` (read from the configuration each round; 0 = only
// when asked) and on demand: the head's UpdateCommands::Check, every configured Spark's
// Images and vLLM's GET /version side by side. A failed check keeps the last good checkout
// report with the error beside it; a Spark whose inspect fails keeps its last known images.
//
// Thread-safety: every public member may be called from any thread. Snapshot never waits on
// SSH (only on a quick copy under a mutex); CheckNow waits, bounded.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/background_runs.h"
#include "controller/config_store.h"
#include "controller/remote_executor.h"
#include "controller/update_report.h"
#include "exporter/clock.h"
#include "exporter/http_client.h"

namespace spark {

struct UpdateMonitorDeps {
  RemoteExecutor& executor;
  std::function<ConfigPtr()> config;  // the cluster's configuration now
  const Clock& clock;                 // the interval, the waits and the check times
  HttpClientFactory http;             // GET {vLLM}/version
};

struct UpdateStatus {
  std::string state = "unknown";           // ok|behind|dirty|detached|unknown (CheckoutState)
  std::optional<CheckoutReport> checkout;  // the last good check
  std::optional<WallTime> checked_at;      // when the last check (good or not) began
  std::string error;                       // why the latest check failed ("" if it did not)
  // Spark → its `vllm-node` / `vllm-node:previous` image, for every configured Spark
  // (nullopt = absent, or unknown before its first inspect).
  std::map<std::string, std::optional<ImageRef>> images, previous;
  std::optional<std::string> vllm_version;  // null while vLLM is down
  std::optional<WallTime> images_at;        // when the last images inspect began
};

class UpdateMonitor {
 public:
  // `check_at_start` false: the first check waits for its interval or a request.
  explicit UpdateMonitor(UpdateMonitorDeps deps, bool check_at_start = true);
  // Stops, cancels the commands under way and joins.
  ~UpdateMonitor();
  UpdateMonitor(const UpdateMonitor&) = delete;
  UpdateMonitor& operator=(const UpdateMonitor&) = delete;

  // A full check (git fetch + images + version) on the monitor's thread soon: at once when it
  // is idle, else right after the round under way (calls meanwhile make one round).
  void RefreshSoon();
  // Images and version only, soon (after swaps and rollbacks: no git fetch).
  void RefreshImagesSoon();
  // Runs a full check now (or joins one that started after this call) and returns the status
  // once it ended; gives up after `wait` (on the clock) with the status as it is, its error
  // saying so.
  UpdateStatus CheckNow(Duration wait = std::chrono::seconds(100));
  // The status as of the last round, with every Spark configured now (a Spark not inspected
  // yet is nullopt; one removed from the configuration is left out).
  UpdateStatus Snapshot() const;
  // Changes whenever Snapshot would show something new (for the metrics' render cache).
  uint64_t version() const;

 private:
  struct Round;  // what one round brought back

  void Loop();
  // One round (full: the checkout too); false when stopped meanwhile.
  bool RunRound(bool full);
  void Record(const Round& round, bool full);  // mu_ held
  void Wake(bool& flag);                       // sets `flag` (guarded by mu_) and wakes the loop
  std::optional<std::string> VllmVersion(const Config& config) const;
  Duration Interval() const;  // update.check_interval_s now; zero = only when asked

  UpdateMonitorDeps deps_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable_any cv_;
  bool stop_ = false;
  bool pending_full_;
  bool pending_images_ = false;
  uint64_t full_started_ = 0;   // full rounds begun
  uint64_t full_finished_ = 0;  // full rounds ended (in order)
  uint64_t version_ = 0;
  UpdateStatus status_;
  BackgroundRuns runs_;  // the commands under way, cancelled by the destructor
  std::thread thread_;   // last: starts once the members above exist
};

}  // namespace spark
