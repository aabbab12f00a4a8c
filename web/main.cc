// spark-control: the composition root. Parses the command line, builds the parts (the only
// place that names concrete implementations: system clock, libcurl client, libssh2 or the
// demo cluster), serves until SIGTERM/SIGINT, and stops them in order. Every decision that can
// be tested lives in a library: flags (web/cli_flags.h), the data dir (web/data_dir.h),
// warnings (web/warnings.h), the catalog source, the SSH identity source.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "controller/catalog_source.h"
#include "controller/config_schema.h"
#include "controller/config_store.h"
#include "controller/controller.h"
#include "controller/controller_metrics.h"
#include "controller/ssh_executor.h"
#include "controller/ssh_health.h"
#include "controller/ssh_identity_source.h"
#include "demo/demo_cluster.h"
#include "demo/simulated_executor.h"
#include "exporter/diarization_stats.h"
#include "exporter/event_log.h"
#include "exporter/log.h"
#include "exporter/metrics.h"
#include "exporter/poller.h"
#include "exporter/reader_pool.h"
#include "exporter/report_stats.h"
#include "web/app.h"
#include "web/audit_log.h"
#include "web/cli_flags.h"
#include "web/data_dir.h"
#include "web/host_names.h"
#include "web/http_server.h"
#include "web/warnings.h"

namespace spark {
namespace {

namespace fs = std::filesystem;

constexpr const char* kVersion = SPARK_VERSION " (" SPARK_REVISION ")";

// Fails the start: prints the reason and gives the exit code.
int Fail(int code, const std::string& message) {
  std::cerr << "spark-control: " << message << "\n";
  return code;
}

EventLogOptions LogOptions(const fs::path& data_dir, ReaderPool& readers) {
  EventLogOptions options;
  options.dir = data_dir;
  options.readers = &readers;
  return options;
}

// The observing side: probes, the connectivity log, report and diarization statistics.
struct Observers {
  Observers(const fs::path& data_dir, const Config& initial, const Clock& clock)
      : events(LogOptions(data_dir, event_readers), clock),
        poller(PollerOptionsFor(initial), &MakeCurlHttpClient, events, clock),
        source_labels(32, static_cast<size_t>(initial.limits.max_source_bytes)),
        diarization(static_cast<size_t>(initial.limits.max_source_bytes)) {
    events.feed().Forward(&changes);
    poller.feed().Forward(&changes);
    reports.EnsureServices(ServiceNames(initial));
  }
  ReaderPool event_readers;  // the log's file reads: a few low-priority threads
  ChangeFeed changes;        // bumped by the poller, the event log, jobs and config: SSE waits here
  EventLog events;
  Poller poller;
  ReportStats reports;
  SourceLabels source_labels;
  DiarizationStats diarization;
};

// The remote executor: simulated in demo mode (its vLLM follows the swaps), libssh2
// otherwise; `ssh` is the same object as `executor` when it is the real one (for
// Reconfigure), else null.
struct ExecutorChoice {
  std::unique_ptr<RemoteExecutor> executor;
  SshExecutor* ssh = nullptr;
};

ExecutorChoice MakeExecutor(DemoCluster* demo, const Config& config, const fs::path& data_dir,
                            const Clock& clock) {
  if (demo != nullptr) {
    auto simulated = std::make_unique<SimulatedExecutor>(clock);
    SimulatedCluster cluster;
    cluster.on_served_model = [demo](const std::optional<std::string>& served) {
      demo->vllm().Serve(served.value_or(""));
    };
    AddSparkVllmDockerRules(*simulated, std::move(cluster));
    return {std::move(simulated), nullptr};
  }
  auto real = std::make_unique<SshExecutor>(SshSettingsFromConfig(config, data_dir), clock);
  SshExecutor* ssh = real.get();
  return {std::move(real), ssh};
}

// The acting side: the remote executor, its health, the SSH identity, the controller and the
// heartbeat that keeps SSH health fresh.
struct Actors {
  Actors(DemoCluster* demo, ConfigStore& config, Catalog& catalog, Observers& observers,
         const fs::path& data_dir, const Clock& clock)
      : Actors(MakeExecutor(demo, *config.Current(), data_dir, clock), config, catalog, observers,
               data_dir, clock) {}

  SshExecutor* ssh = nullptr;  // set when the executor is the real one
  std::unique_ptr<RemoteExecutor> executor;
  SshHealth ssh_health;
  MonitoredExecutor monitored;
  SshIdentitySource identity;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<SshHeartbeat> heartbeat;

 private:
  Actors(ExecutorChoice chosen, ConfigStore& config, Catalog& catalog, Observers& observers,
         const fs::path& data_dir, const Clock& clock)
      : ssh(chosen.ssh),
        executor(std::move(chosen.executor)),
        monitored(*executor, ssh_health),
        identity(data_dir, config) {
    Poller& poller = observers.poller;
    ControllerDeps deps{monitored,
                        catalog,
                        config,
                        clock,
                        &MakeCurlHttpClient,
                        [&poller](const std::string& service) { poller.ProbeNow(service); },
                        [&poller] { return ServedModel(*poller.Current()); }};
    controller = std::make_unique<Controller>(std::move(deps), data_dir / "jobs.jsonl");
    for (const std::string& note : controller->notes()) Log(LogLevel::kWarn, note);
    controller->feed().Forward(&observers.changes);
    ssh_health.feed().Forward(&observers.changes);
    heartbeat = std::make_unique<SshHeartbeat>(
        monitored, [&config] { return ConfiguredSparks(*config.Current()); },
        std::chrono::seconds(30));
  }
};

void AddCollectors(Scraper& scraper, Observers& o, Actors& a, Catalog& catalog, ConfigStore& config,
                   const Clock& clock) {
  scraper.Add(MakeServiceMetrics(o.poller));
  scraper.Add(MakeReportMetrics(o.reports, o.events));
  scraper.Add(MakeDiarizationMetrics(o.diarization));
  scraper.Add(MakeBuildInfoMetrics(SPARK_VERSION, SPARK_REVISION));
  scraper.Add(MakeProcessMetrics(clock));
  scraper.Add(MakeControllerMetrics(*a.controller, a.ssh_health, catalog, o.poller,
                                    [&config] { return ConfiguredSparks(*config.Current()); }));
}

ServerHooks MakeHooks(ConfigStore& config, ReportStats& reports, AuditLog& audit,
                      const Clock& clock) {
  ServerHooks hooks;
  hooks.config = [&config] { return config.Current(); };
  hooks.on_rate_limited = [&reports] { reports.RecordRateLimited(); };
  hooks.audit = [&audit, &clock](const Request& request, const Route* route, int status,
                                 const Config& checked) {
    if (!IsAudited(request, route, status)) return;
    (void)audit.Append(MakeAuditRecord(request, route, status, checked, clock.WallNow()));
  };
  if (LogEnabled(LogLevel::kDebug)) {
    hooks.access_log = [](const std::string& line) { Log(LogLevel::kDebug, line); };
  }
  return hooks;
}

// Exits the process if stopping takes longer than 1.8 s. Nothing acknowledged can be lost by
// it (appends and config writes complete before their answer): it only cuts idle keep-alive
// connections and probes short.
void ArmShutdownWatchdog() {
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1800));
    Log(LogLevel::kWarn, "shutdown took longer than 1.8 s; exiting now");
    std::fflush(nullptr);
    _exit(kExitOk);
  }).detach();
}

// The layered config: operator file, the API's overlay in the data dir, our environment
// variables, and the demo's loopback endpoints in demo mode.
Result<std::unique_ptr<ConfigStore>> OpenConfig(const Flags& flags, const fs::path& data_dir,
                                                DemoCluster* demo, const Clock& clock) {
  ConfigSources sources;
  sources.operator_file = flags.config;
  sources.overlay_file = data_dir / "config.yaml";
  sources.environment = ReadEnvironment([](const char* n) { return std::getenv(n); });
  if (demo != nullptr) sources.demo = demo->ConfigPatch();
  return ConfigStore::Open(std::move(sources), clock);
}

// A config change reaches the poller, the report statistics, SSH and SSE streams.
void FollowConfigChanges(ConfigStore& config, Observers& observers, Actors& actors,
                         const fs::path& data_dir) {
  config.OnChange([&observers, &actors, data_dir](const Config& c) {
    observers.poller.SetOptions(PollerOptionsFor(c));
    observers.poller.SetTargets(ProbeTargetsFor(c));
    observers.reports.EnsureServices(ServiceNames(c));
    if (actors.ssh != nullptr) actors.ssh->Reconfigure(SshSettingsFromConfig(c, data_dir));
    actors.heartbeat->Poke();
    observers.changes.Bump();
  });
}

// Stops everything side by side, bounded by the watchdog.
void StopInOrder(std::unique_ptr<HttpServer> server, Observers& observers, Actors& actors,
                 std::unique_ptr<DemoCluster> demo) {
  ArmShutdownWatchdog();
  server->BeginShutdown();
  observers.changes.WakeAll();
  actors.controller->feed().WakeAll();
  std::thread stop_poller([&observers] { observers.poller.Stop(); });
  server.reset();  // closes connections, waits for in-flight requests
  // Running jobs end as `interrupted` (the remote side carries on); then the executor, whose
  // simulated cluster drives the demo's fakes, and the demo.
  actors.heartbeat.reset();
  actors.controller.reset();
  actors.executor.reset();
  demo.reset();
  stop_poller.join();
  Log(LogLevel::kInfo, "stopped");
}

int Serve(const Flags& flags, const fs::path& data_dir, const sigset_t& stop_signals) {
  const SystemClock clock;
  auto started = flags.demo ? DemoCluster::Start(clock)
                            : Result<std::unique_ptr<DemoCluster>>(std::unique_ptr<DemoCluster>());
  if (!started.ok()) return Fail(kExitFatal, "demo: " + started.status().message());
  std::unique_ptr<DemoCluster> demo = std::move(started).value();
  auto opened = OpenConfig(flags, data_dir, demo.get(), clock);
  if (!opened.ok()) return Fail(kExitUsage, "invalid configuration: " + opened.status().message());
  std::unique_ptr<ConfigStore> config = std::move(opened).value();
  const ConfigPtr initial = config->Current();
  // Start-up fallbacks and notes: logged now, shown in /api/status warnings while running.
  WarningSources warning_sources;
  warning_sources.startup_notes = config->startup_notes();
  warning_sources.open_beyond_loopback = !ListensOnLoopbackOnly(flags.listen);
  Observers observers(data_dir, *initial, clock);
  auto catalog_opened =
      OpenConfiguredCatalog(*config, data_dir, clock, warning_sources.startup_notes);
  if (!catalog_opened.ok()) {
    return Fail(kExitUsage, "invalid model catalog: " + catalog_opened.status().message());
  }
  std::unique_ptr<Catalog> catalog = std::move(catalog_opened).value();
  for (const std::string& note : catalog->notes()) Log(LogLevel::kWarn, note);
  Actors actors(demo.get(), *config, *catalog, observers, data_dir, clock);
  Scraper scraper([&config] { return config->Current()->cluster; }, clock);
  AddCollectors(scraper, observers, actors, *catalog, *config, clock);

  AuditLog audit({data_dir});
  auto warnings = [&config, &audit, warning_sources] {
    WarningSources now = warning_sources;
    now.audit_failure = audit.Warning();
    return CurrentWarnings(*config->Current(), now);
  };
  for (const std::string& w : warnings()) Log(LogLevel::kWarn, w);
  FollowConfigChanges(*config, observers, actors, data_dir);

  App app{clock,
          *config,
          observers.poller,
          observers.events,
          observers.reports,
          observers.source_labels,
          observers.diarization,
          scraper,
          observers.changes,
          warnings,
          *catalog,
          *actors.controller,
          actors.monitored,
          actors.ssh_health,
          [&actors] { return actors.identity.Get(); },
          [&actors] { actors.heartbeat->Poke(); },
          Site{flags.listen.substr(0, flags.listen.rfind(':')), OwnHostNames()},
          initial->limits.max_sse_clients};
  ServerOptions server_options;
  server_options.listen = flags.listen;
  server_options.max_sse_clients = app.max_sse_clients_at_start;
  server_options.host_names = app.site.host_names;
  server_options.log_routes = true;
  auto server = HttpServer::Start(server_options, AppRoutes(app),
                                  MakeHooks(*config, observers.reports, audit, clock), clock);
  if (!server.ok()) return Fail(kExitFatal, server.status().message());
  std::printf("listening on %s\n", (*server)->url().c_str());
  std::fflush(stdout);
  Log(LogLevel::kInfo, std::string("spark-control ") + kVersion + " serving on " +
                           (*server)->url() + " (data dir " + data_dir.string() +
                           (flags.demo ? ", demo mode" : "") + ")");
  observers.poller.SetTargets(ProbeTargetsFor(*initial));
  if (demo) {
    demo->StartClients(
        "http://127.0.0.1:" + std::to_string((*server)->port()),
        [&config] { return config->Current()->auth.report_token; }, &MakeCurlHttpClient);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  Log(LogLevel::kInfo,
      std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
  StopInOrder(std::move(server).value(), observers, actors, std::move(demo));
  return kExitOk;
}

int Run(const Flags& flags) {
  SetLogLevel(flags.log_level);
  if (Status s = ValidateListenAddress(flags.listen); !s.ok()) return Fail(kExitUsage, s.message());
  // SIGTERM/SIGINT are taken by sigwait in Serve; every thread started later inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto data_dir = ResolveDataDir(flags, std::getenv("SPARK_CONTROL_DATA"));
  if (!data_dir.ok()) return Fail(kExitFatal, data_dir.status().message());
  const int code = Serve(flags, data_dir->path, stop_signals);
  if (data_dir->temporary) {
    std::error_code ec;
    fs::remove_all(data_dir->path, ec);
  }
  return code;
}

}  // namespace
}  // namespace spark

int main(int argc, char** argv) {
  auto parsed = spark::ParseFlags(argc, argv, spark::kVersion);
  if (const auto* exit = std::get_if<spark::FlagsExit>(&parsed)) {
    std::fputs(exit->out.c_str(), stdout);
    std::fputs(exit->err.c_str(), stderr);
    return exit->code;
  }
  return spark::Run(std::get<spark::Flags>(parsed));
}
