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
#include "controller/ssh_executor.h"
#include "controller/ssh_identity_source.h"
#include "demo/demo_cluster.h"
#include "demo/simulated_containers.h"
#include "demo/simulated_downloads.h"
#include "demo/simulated_executor.h"
#include "demo/simulated_update.h"
#include "exporter/event_log.h"
#include "exporter/log.h"
#include "exporter/metrics.h"
#include "exporter/reader_pool.h"
#include "process_memory.h"
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

EventLogOptions LogOptions(const fs::path& data_dir, const Config& config, ReaderPool& readers) {
  EventLogOptions options;
  options.dir = data_dir;
  options.LimitTotalBytes(static_cast<uint64_t>(config.events.max_bytes));
  options.readers = &readers;
  return options;
}

// What every cluster shares: the connectivity log (with its reader threads) and the feed SSE
// streams wait on.
struct SharedLog {
  SharedLog(const fs::path& data_dir, const Config& initial, const Clock& clock)
      : events(LogOptions(data_dir, initial, event_readers), clock) {
    events.feed().Forward(&changes);
  }
  ReaderPool event_readers;  // the log's file reads: a few low-priority threads
  ChangeFeed changes;        // bumped by every cluster, the event log and config: SSE waits here
  EventLog events;
};

// The demo cluster named `name` (null: a cluster added while running, with no fakes behind it).
DemoCluster* FindDemo(const DemoClusters& demos, const std::string& name) {
  for (const auto& demo : demos) {
    if (demo->name() == name) return demo.get();
  }
  return nullptr;
}

// POST /api/demo/crash's control in demo mode (null otherwise).
std::function<Result<nlohmann::json>(const std::string&, const std::string&)> DemoCrashControl(
    const DemoClusters* demos) {
  if (demos == nullptr) return nullptr;
  return [demos](const std::string& cluster, const std::string& service) {
    DemoCluster* demo = FindDemo(*demos, cluster);
    if (demo == nullptr) {
      return Result<nlohmann::json>(Status::Error(
          ErrorCode::kNotFound, "cluster " + cluster + " has no simulated services", "cluster"));
    }
    return demo->Crash(service);
  };
}

// The demo's LAN clients, reporting to our own port with the report token of the moment.
void StartDemoClients(const DemoClusters& demos, int port, const ConfigStore& config) {
  for (const auto& demo : demos) {
    demo->StartClients(
        "http://127.0.0.1:" + std::to_string(port),
        [&config] { return config.Current()->auth.report_token; }, &MakeCurlHttpClient);
  }
}

// How each cluster gets its remote executor: simulated in demo mode (a demo cluster's vLLM
// follows its swaps; a cluster added while running has no fakes behind it), libssh2 otherwise.
std::function<ExecutorChoice(const Config&)> ExecutorFactory(const DemoClusters* demos,
                                                             const fs::path& data_dir,
                                                             const Clock& clock) {
  if (demos != nullptr) {
    return [demos, &clock](const Config& view) {
      auto simulated = std::make_unique<SimulatedExecutor>(clock);
      auto updates = std::make_shared<SimulatedUpdates>(clock);
      SimulatedCluster cluster;
      cluster.launch_version = [updates] { return updates->LaunchVersion(); };
      DemoCluster* demo = FindDemo(*demos, view.cluster);
      if (demo != nullptr) {
        cluster.on_served_model = [demo](const std::optional<std::string>& served) {
          demo->vllm().Serve(served.value_or(""));
        };
        cluster.on_vllm_version = [demo](const std::string& version) {
          demo->vllm().SetVersion(version);
        };
        cluster.containers = demo->containers();
      }
      AddSparkVllmDockerRules(*simulated, std::move(cluster));
      auto detached = std::make_shared<SimulatedDetachedJobs>(clock);
      AddHfRules(*simulated, clock, {}, detached);
      AddUpdateRules(*simulated, updates, detached);
      if (demo != nullptr) AddContainerRules(*simulated, demo->containers());
      return ExecutorChoice{std::move(simulated), {}};
    };
  }
  return [data_dir, &clock](const Config& view) {
    auto real = std::make_unique<SshExecutor>(SshSettingsFromConfig(view, data_dir), clock);
    SshExecutor* ssh = real.get();  // owned by the choice's executor, which outlives the call
    return ExecutorChoice{std::move(real), [ssh, data_dir](const Config& changed) {
                            ssh->Reconfigure(SshSettingsFromConfig(changed, data_dir));
                          }};
  };
}

ServerHooks MakeHooks(ConfigStore& config, ClusterSet& clusters, AuditLog& audit,
                      const Clock& clock) {
  ServerHooks hooks;
  hooks.config = [&config] { return config.Current(); };
  // A limited report names no cluster yet: it is counted on the default one.
  hooks.on_rate_limited = [&clusters] {
    if (const ClusterPtr cluster = clusters.Default()) cluster->reports().RecordRateLimited();
  };
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
                                                const DemoClusters* demos, const Clock& clock) {
  ConfigSources sources;
  sources.operator_file = flags.config;
  sources.overlay_file = data_dir / "config.yaml";
  sources.environment = ReadEnvironment([](const char* n) { return std::getenv(n); });
  if (demos != nullptr) sources.demo = DemoConfigPatch(*demos);
  return ConfigStore::Open(std::move(sources), clock);
}

// Stops everything side by side, bounded by the watchdog.
void StopInOrder(std::unique_ptr<HttpServer> server, SharedLog& log, ClusterSet& clusters,
                 std::unique_ptr<DemoClusters> demos) {
  ArmShutdownWatchdog();
  server->BeginShutdown();
  log.changes.WakeAll();
  std::vector<ClusterPtr> all = clusters.All();
  for (const ClusterPtr& cluster : all) cluster->controller().feed().WakeAll();
  std::thread stop_probes([&all] {
    for (const ClusterPtr& cluster : all) cluster->Retire();
  });
  server.reset();  // closes connections, waits for in-flight requests
  stop_probes.join();
  // Running jobs end as `interrupted` (the remote side carries on); then the executors, whose
  // simulated clusters drive the demo's fakes, and the demo.
  clusters.StopAll();
  all.clear();
  demos.reset();
  Log(LogLevel::kInfo, "stopped");
}

std::unique_ptr<HttpServer> StartServer(const Flags& flags, App& app, ServerHooks hooks,
                                        const Clock& clock, std::string& error) {
  ServerOptions options;
  options.listen = flags.listen;
  options.max_sse_clients = app.max_sse_clients_at_start;
  options.host_names = app.site.host_names;
  options.log_routes = true;
  auto server = HttpServer::Start(options, AppRoutes(app), std::move(hooks), clock);
  if (!server.ok()) {
    error = server.status().message();
    return nullptr;
  }
  return std::move(server).value();
}

int Serve(const Flags& flags, const fs::path& data_dir, const sigset_t& stop_signals) {
  const SystemClock clock;
  std::unique_ptr<DemoClusters> demos;
  if (flags.demo) {
    auto started = StartDemoClusters(clock);
    if (!started.ok()) return Fail(kExitFatal, "demo: " + started.status().message());
    demos = std::make_unique<DemoClusters>(std::move(started).value());
  }
  auto opened = OpenConfig(flags, data_dir, demos.get(), clock);
  if (!opened.ok()) return Fail(kExitUsage, "invalid configuration: " + opened.status().message());
  std::unique_ptr<ConfigStore> config = std::move(opened).value();
  const ConfigPtr initial = config->Current();
  // Start-up fallbacks and notes: logged now, shown in /api/status warnings while running.
  WarningSources warning_sources;
  warning_sources.startup_notes = config->startup_notes();
  warning_sources.open_beyond_loopback = !ListensOnLoopbackOnly(flags.listen);
  SharedLog log(data_dir, *initial, clock);
  auto catalog_opened =
      OpenConfiguredCatalog(*config, data_dir, clock, warning_sources.startup_notes);
  if (!catalog_opened.ok()) {
    return Fail(kExitUsage, "invalid model catalog: " + catalog_opened.status().message());
  }
  std::unique_ptr<Catalog> catalog = std::move(catalog_opened).value();
  for (const std::string& note : catalog->notes()) Log(LogLevel::kWarn, note);
  SshIdentitySource identity(data_dir, *config);
  Scraper scraper([&config] { return config->Current()->cluster; }, clock);
  scraper.Add(MakeProcessMetrics(clock));
  ClusterSet clusters(
      {clock, log.events, *catalog, log.changes, data_dir, &MakeCurlHttpClient,
       ExecutorFactory(demos.get(), data_dir, clock), SPARK_VERSION, SPARK_REVISION},
      scraper);
  clusters.Apply(*initial);

  AuditLog audit({data_dir});
  auto warnings = [&config, &audit, warning_sources] {
    WarningSources now = warning_sources;
    now.audit_failure = audit.Warning();
    return CurrentWarnings(*config->Current(), now);
  };
  for (const std::string& w : warnings()) Log(LogLevel::kWarn, w);
  // A config change starts, reconfigures or stops clusters, and reaches SSE streams.
  config->OnChange([&clusters, &log](const Config& changed) {
    clusters.Apply(changed);
    log.changes.Bump();
  });

  App app{clock,
          *config,
          clusters,
          log.events,
          scraper,
          log.changes,
          warnings,
          *catalog,
          [&identity] { return identity.Get(); },
          Site{flags.listen.substr(0, flags.listen.rfind(':')), OwnHostNames()},
          initial->limits.max_sse_clients};
  app.demo_crash = DemoCrashControl(demos.get());
  std::string error;
  auto server = StartServer(flags, app, MakeHooks(*config, clusters, audit, clock), clock, error);
  if (!server) return Fail(kExitFatal, error);
  std::printf("listening on %s\n", server->url().c_str());
  std::fflush(stdout);
  Log(LogLevel::kInfo, std::string("spark-control ") + kVersion + " serving on " + server->url() +
                           " (data dir " + data_dir.string() + (flags.demo ? ", demo mode" : "") +
                           ")");
  if (demos) StartDemoClients(*demos, server->port(), *config);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  Log(LogLevel::kInfo,
      std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
  StopInOrder(std::move(server), log, clusters, std::move(demos));
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
  spark::ApplyProcessMemorySettings();
  auto parsed = spark::ParseFlags(argc, argv, spark::kVersion);
  if (const auto* exit = std::get_if<spark::FlagsExit>(&parsed)) {
    std::fputs(exit->out.c_str(), stdout);
    std::fputs(exit->err.c_str(), stderr);
    return exit->code;
  }
  return spark::Run(std::get<spark::Flags>(parsed));
}
