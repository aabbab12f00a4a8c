#pragma once
// The process's owners as web/main.cc wires them, in the test process: a fake clock, a temp
// data dir, the caller's configuration and HTTP client (the probes' network), the simulated
// Sparks with spark-vllm-docker's rules and no delays, and `routes` = AppRoutes of `app`. For
// tests that call handlers directly (golden files) or read the route table.

#include <filesystem>
#include <functional>
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
  InProcessApp(const ConfigFor& config, HttpClientFactory http, const std::string& version);
  InProcessApp(const InProcessApp&) = delete;
  InProcessApp& operator=(const InProcessApp&) = delete;

  FakeClock clock;
  TempDir dir;
  std::unique_ptr<ConfigStore> config;
  ChangeFeed changes;
  EventLog events;
  Poller poller;
  ReportStats reports;
  SourceLabels sources;
  DiarizationStats diarization;
  std::unique_ptr<Catalog> catalog;
  SimulatedExecutor executor;
  SshHealth ssh_health;
  MonitoredExecutor monitored;
  Scraper scraper;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<App> app;
  std::vector<Route> routes;
};

}  // namespace spark::test
