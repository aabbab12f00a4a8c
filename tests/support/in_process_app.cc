#include "support/in_process_app.h"

namespace spark::test {

InProcessApp::InProcessApp(const ConfigFor& config_for, HttpClientFactory http,
                           const std::string& version, bool recovery)
    : config(std::move(ConfigStore::Open(config_for(dir.path()), clock)).value()),
      events({}, clock),
      catalog(
          std::move(Catalog::Open(BundledCatalogYaml(), "models.yaml", dir.path(), clock)).value()),
      scraper([this] { return config->Current()->cluster; }, clock) {
  ClusterEnvironment env{clock,
                         events,
                         *catalog,
                         changes,
                         dir.path(),
                         std::move(http),
                         [this](const Config& view) {
                           auto simulated = std::make_unique<SimulatedExecutor>(clock, 0.0);
                           AddSparkVllmDockerRules(*simulated);
                           executors[view.cluster] = simulated.get();
                           return ExecutorChoice{std::move(simulated), {}};
                         },
                         version,
                         "0000000"};
  env.heartbeat_interval = Duration::zero();
  env.cache_scan_interval = Duration::zero();
  env.update_checks = false;
  env.recovery = recovery;
  clusters = std::make_unique<ClusterSet>(std::move(env), scraper);
  clusters->Apply(*config->Current());
  config->OnChange([this](const Config& changed) { clusters->Apply(changed); });
  app = std::make_unique<App>(
      App{clock, *config, *clusters, events, scraper, changes,
          [] { return std::vector<std::string>{}; }, *catalog,
          []() -> Result<SshIdentity> { return Status::Error(ErrorCode::kNotFound, "no key yet"); },
          Site{"127.0.0.1", {}}, 64});
  routes = AppRoutes(*app);
}

}  // namespace spark::test
