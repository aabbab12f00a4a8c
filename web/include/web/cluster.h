#pragma once
// One cluster's owners (API.md "Configuration", multi-cluster): its probes, the LAN reports
// and diarization statistics about its services, its SSH link, controller and heartbeat. The
// process holds one per configured cluster (ClusterSet); the connectivity log, the catalog,
// the SSH identity and the change feed are the process's and shared by all.

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/cache_index.h"
#include "controller/catalog.h"
#include "controller/config_store.h"
#include "controller/controller.h"
#include "controller/recovery_loop.h"
#include "controller/remote_executor.h"
#include "controller/ssh_health.h"
#include "controller/update_monitor.h"
#include "exporter/change_feed.h"
#include "exporter/clock.h"
#include "exporter/diarization_stats.h"
#include "exporter/event_log.h"
#include "exporter/metrics.h"
#include "exporter/poller.h"
#include "exporter/report_stats.h"

namespace spark {

// A cluster's remote executor as the composition root chose it (libssh2, or simulated in
// demo mode), and how it takes a new configuration (null when it takes none).
struct ExecutorChoice {
  std::unique_ptr<RemoteExecutor> executor;
  std::function<void(const Config&)> reconfigure;
};

// What every cluster shares, and the factories the composition root picks.
struct ClusterEnvironment {
  const Clock& clock;
  EventLog& events;
  Catalog& catalog;
  ChangeFeed& changes;  // every cluster's poller, controller and SSH health bump it
  std::filesystem::path data_dir;
  HttpClientFactory http;
  std::function<ExecutorChoice(const Config& view)> make_executor;
  // spark_control_build_info's labels: every cluster shows it (dashboards list clusters by it).
  std::string version;
  std::string revision;
  // How often each cluster checks its Sparks' SSH; zero = never (tests that drive SSH health
  // themselves).
  Duration heartbeat_interval = std::chrono::seconds(30);
  // How often each cluster rescans its Sparks' HF caches (also at start); zero = only when
  // asked (after download jobs, POST /api/cache/refresh).
  Duration cache_scan_interval = std::chrono::minutes(10);
  // Whether each cluster checks its spark-vllm-docker checkout at start; false = the first
  // check waits for update.check_interval_s or a request (POST /api/update/check, a job's end),
  // for tests on a fake clock whose simulated Sparks answer only the commands they script.
  bool update_checks = true;
  // Whether each cluster runs its recovery loop (docs/api.md "Recovery"); false = no loop, no
  // recovery in /api/status, for tests whose simulated Sparks answer no inspect.
  bool recovery = true;
};

class Cluster {
 public:
  // Starts the cluster's probes, heartbeat and recovery loop. `view` is the cluster's whole Config
  // (as ClusterConfigs gives it); the default cluster keeps its jobs in DATA/jobs.jsonl, any other
  // in DATA/clusters/<name>/jobs.jsonl.
  Cluster(const ClusterEnvironment& env, Config view, bool is_default);
  // Stops the probes, the heartbeat and the recovery loop, then ends running jobs (`interrupted`;
  // the remote side carries on) and closes the SSH link.
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  std::string name() const;
  ConfigPtr config() const;
  // Takes a new view of this cluster's configuration: probe targets, SSH settings, report
  // services.
  void Reconfigure(Config view);
  // Stops probing and checking SSH (a cluster removed from the configuration); requests that
  // still hold it get answers from its last state. Idempotent.
  void Retire();
  bool retired() const;

  Poller& poller() { return poller_; }
  ReportStats& reports() { return reports_; }
  SourceLabels& sources() { return sources_; }
  DiarizationStats& diarization() { return diarization_; }
  Controller& controller() { return *controller_; }
  CacheIndex& cache() { return *cache_; }
  UpdateMonitor& updates() { return *updates_; }
  RemoteExecutor& executor() { return monitored_; }
  SshHealth& ssh() { return ssh_health_; }
  // The recovery loop; null when the environment runs none (tests). It lives as long as the
  // cluster (a retired one stops recovering when it goes).
  RecoveryLoop* recovery() { return recovery_.get(); }
  // Checks the Sparks' SSH now (after a confirmed host key).
  void CheckSshNow();
  // The /metrics sources of this cluster (labelled with its name by the Scraper).
  const std::vector<std::shared_ptr<const MetricsSource>>& metrics() const { return metrics_; }

 private:
  void StartRecovery(const ClusterEnvironment& env);

  mutable std::mutex mu_;  // guards view_, retired_, heartbeat_
  ConfigPtr view_;
  bool retired_ = false;
  Poller poller_;
  ReportStats reports_;
  SourceLabels sources_;
  DiarizationStats diarization_;
  ExecutorChoice chosen_;
  SshHealth ssh_health_;
  MonitoredExecutor monitored_;
  std::unique_ptr<CacheIndex> cache_;
  std::unique_ptr<UpdateMonitor> updates_;
  std::unique_ptr<Controller> controller_;
  // Created after the controller, destroyed before it. recovery_mu_ guards the pointer against
  // the controller's job threads (on_finished), which hold it while forwarding a job's end.
  std::mutex recovery_mu_;
  std::unique_ptr<RecoveryLoop> recovery_;
  std::unique_ptr<SshHeartbeat> heartbeat_;
  std::vector<std::shared_ptr<const MetricsSource>> metrics_;
};

}  // namespace spark
