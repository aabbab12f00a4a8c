#include "support/in_process_app.h"

#include "controller/controller_metrics.h"

namespace spark::test {

InProcessApp::InProcessApp(const ConfigFor& config_for, HttpClientFactory http,
                           const std::string& version)
    : config(std::move(ConfigStore::Open(config_for(dir.path()), clock)).value()),
      events({}, clock),
      poller(PollerOptionsFor(*config->Current()), http, events, clock),
      catalog(
          std::move(Catalog::Open(BundledCatalogYaml(), "models.yaml", dir.path(), clock)).value()),
      executor(clock, 0.0),
      monitored(executor, ssh_health),
      scraper([this] { return config->Current()->cluster; }, clock) {
  AddSparkVllmDockerRules(executor);
  ControllerDeps deps{monitored,
                      *catalog,
                      *config,
                      clock,
                      std::move(http),
                      [this](const std::string& service) { poller.ProbeNow(service); },
                      [this] { return ServedModel(*poller.Current()); }};
  controller = std::make_unique<Controller>(std::move(deps), dir / "jobs.jsonl");
  reports.EnsureServices(ServiceNames(*config->Current()));
  scraper.Add(MakeServiceMetrics(poller));
  scraper.Add(MakeReportMetrics(reports, events));
  scraper.Add(MakeDiarizationMetrics(diarization));
  scraper.Add(MakeBuildInfoMetrics(version, "0000000"));
  scraper.Add(MakeControllerMetrics(*controller, ssh_health, *catalog, poller,
                                    [this] { return ConfiguredSparks(*config->Current()); }));
  app = std::make_unique<App>(
      App{clock, *config, poller, events, reports, sources, diarization, scraper, changes,
          [] { return std::vector<std::string>{}; }, *catalog, *controller, monitored, ssh_health,
          []() -> Result<SshIdentity> { return Status::Error(ErrorCode::kNotFound, "no key yet"); },
          [] {}, Site{"127.0.0.1", {}}, 64});
  routes = AppRoutes(*app);
}

}  // namespace spark::test
