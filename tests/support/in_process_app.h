#pragma once
// The process's owners as web/main.cc wires them, in the test process: a fake clock, a temp
// data dir, the caller's configuration and HTTP client (the probes' network), every cluster on
// simulated Sparks with spark-vllm-docker's rules and no delays (no SSH heartbeat, no cache
// scan or update check of their own, no recovery loop unless `recovery`), and `routes` =
// AppRoutes of `app`. For tests that call
// handlers directly (golden files) or read the route table.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "demo/simulated_executor.h"
#include "support/fake_clock.h"
#include "support/process.h"
#include "web/app.h"

namespace spark::test {

class InProcessApp {
 public:
  using ConfigFor = std::function<ConfigSources(const std::filesystem::path& data_dir)>;
  // `version` is the build_info label of /metrics.
  InProcessApp(const ConfigFor& config, HttpClientFactory http, const std::string& version,
               bool recovery = false);
  InProcessApp(const InProcessApp&) = delete;
  InProcessApp& operator=(const InProcessApp&) = delete;

  // The default cluster.
  Cluster& cluster() { return *clusters->Default(); }
  // The simulated Sparks of the cluster `name` (a test adds its own rules: the last added
  // wins); valid while that cluster lives.
  SimulatedExecutor& sparks(const std::string& name) { return *executors.at(name); }

  FakeClock clock;
  TempDir dir;
  std::unique_ptr<ConfigStore> config;
  ChangeFeed changes;
  EventLog events;
  std::unique_ptr<Catalog> catalog;
  Scraper scraper;
  std::map<std::string, SimulatedExecutor*> executors;  // by cluster name, owned by the clusters
  std::unique_ptr<ClusterSet> clusters;
  std::unique_ptr<App> app;
  std::vector<Route> routes;
};

}  // namespace spark::test
