// spark-control: the composition root. The only place that names concrete
// implementations (system clock, libcurl client, demo cluster); everything else receives
// interfaces.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "controller/catalog.h"
#include "controller/config_schema.h"
#include "controller/config_store.h"
#include "controller/controller.h"
#include "controller/controller_metrics.h"
#include "controller/simulated_executor.h"
#include "controller/ssh_executor.h"
#include "controller/ssh_health.h"
#include "controller/ssh_keys.h"
#include "demo/demo_cluster.h"
#include "exporter/diarization_stats.h"
#include "exporter/event_log.h"
#include "exporter/file_io.h"
#include "exporter/log.h"
#include "exporter/metrics.h"
#include "exporter/poller.h"
#include "exporter/report_stats.h"
#include "web/app.h"
#include "web/audit_log.h"
#include "web/host_names.h"
#include "web/http_server.h"

namespace spark {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: spark-control [--config FILE] [--data-dir DIR] [--listen ADDR:PORT] [--demo]\n"
    "                     [--log-level debug|info|warn|error] [--version] [--help]\n"
    "\n"
    "Control panel and Prometheus exporter for a two-node DGX Spark LLM cluster.\n"
    "  --config FILE      operator config (YAML; never written by the process)\n"
    "  --data-dir DIR     state dir (default $SPARK_CONTROL_DATA or ./data)\n"
    "  --listen ADDR:PORT IPv4 address to serve on (default 0.0.0.0:9999; port 0 = any free)\n"
    "  --demo             run against a simulated cluster inside the process\n"
    "  --log-level LEVEL  default info; debug adds the access log\n";

struct Flags {
  std::optional<std::string> config;
  std::optional<std::string> data_dir;
  std::string listen = "0.0.0.0:9999";
  bool demo = false;
  LogLevel log_level = LogLevel::kInfo;
};

// Parses argv; on error prints the reason and returns the exit code to use.
std::variant<Flags, int> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < argc) return std::string(argv[++i]);
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (arg == "--version") {
      std::cout << "spark-control " << SPARK_VERSION << " (" << SPARK_REVISION << ")\n";
      return kExitOk;
    }
    if (arg == "--demo") {
      flags.demo = true;
      continue;
    }
    const bool takes_value = arg == "--config" || arg == "--data-dir" || arg == "--listen" || arg == "--log-level";
    if (!takes_value) {
      std::cerr << "spark-control: unknown argument '" << arg << "'\n" << kUsage;
      return kExitUsage;
    }
    const auto v = value();
    if (!v || v->empty()) {
      std::cerr << "spark-control: " << arg << " needs a value\n";
      return kExitUsage;
    }
    if (arg == "--config") flags.config = *v;
    if (arg == "--data-dir") flags.data_dir = *v;
    if (arg == "--listen") flags.listen = *v;
    if (arg == "--log-level") {
      const auto level = ParseLogLevel(*v);
      if (!level) {
        std::cerr << "spark-control: --log-level must be debug, info, warn or error\n";
        return kExitUsage;
      }
      flags.log_level = *level;
    }
  }
  return flags;
}

std::map<std::string, std::string> ReadEnvironment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"SPARK1_HOST", "SPARK1_USER", "SPARK2_HOST", "SPARK2_USER", "SSH_KEY_PATH",
                           "SPARK_CONTROL_TOKEN", "SPARK_CONTROL_REPORT_TOKEN"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  return env;
}

bool IsLoopback(const std::string& listen) { return listen.rfind("127.", 0) == 0; }

// The bundled catalog, or catalog.path. A catalog.path set through the API (the overlay)
// that cannot be opened falls back to the bundled catalog with a warning: nothing written
// through the API may stop the next start. One from the operator file is the operator's to
// fix: the caller exits 2.
Result<std::unique_ptr<Catalog>> OpenCatalog(const ConfigStore& config,
                                             const std::filesystem::path& data_dir,
                                             const Clock& clock,
                                             std::vector<std::string>& warnings) {
  auto bundled = [&] {
    return Catalog::Open(BundledCatalogYaml(), "models.yaml (bundled)", data_dir, clock);
  };
  const std::optional<std::string> path = config.Current()->catalog.path;
  if (!path) return bundled();
  auto text = ReadFile(*path);
  Status problem = text.status();
  if (text.ok()) {
    auto opened = Catalog::Open(*text, *path, data_dir, clock);
    if (opened.ok()) return opened;
    problem = opened.status();
  }
  if (config.LayerOf("catalog.path") == ConfigLayer::kOverlay) {
    warnings.push_back("catalog.path (set through PUT /api/config): " + problem.message() +
                       "; using the bundled catalog instead");
    return bundled();
  }
  return Status::Error("invalid_field", "catalog.path " + *path + ": " + problem.message());
}

// spark-control's SSH key: generated once in the background on first start (ssh-keygen
// takes a moment), or the operator's ssh.key_path read on demand.
class SshIdentitySource {
 public:
  SshIdentitySource(std::filesystem::path data_dir, const ConfigStore& config)
      : data_dir_(std::move(data_dir)), config_(config) {
    worker_ = std::thread([this] {
      auto identity = EnsureSshIdentity(data_dir_, std::nullopt);
      if (!identity.ok()) Log(LogLevel::kWarn, "SSH key: " + identity.status().message());
      std::lock_guard lock(mu_);
      generated_ = std::move(identity);
    });
  }
  ~SshIdentitySource() { worker_.join(); }

  Result<SshIdentity> Get() const {
    if (const auto& configured = config_.Current()->ssh.key_path) {
      return LoadSshIdentity(*configured);
    }
    std::lock_guard lock(mu_);
    if (!generated_) return Status::Error("not_found", "the SSH key is still being generated");
    return *generated_;
  }

 private:
  const std::filesystem::path data_dir_;
  const ConfigStore& config_;
  mutable std::mutex mu_;
  std::optional<Result<SshIdentity>> generated_;
  std::thread worker_;
};

std::vector<std::string> ConfiguredSparks(const Config& config) {
  std::vector<std::string> names;
  for (const auto& [name, spark] : config.sparks) {
    if (spark.host) names.push_back(name);
  }
  return names;
}

int Run(const Flags& flags) {
  SetLogLevel(flags.log_level);
  if (Status s = ValidateListenAddress(flags.listen); !s.ok()) {
    std::cerr << "spark-control: " << s.message() << "\n";
    return kExitUsage;
  }
  // SIGTERM/SIGINT are taken by sigwait below; every thread started later inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const SystemClock clock;
  std::filesystem::path data_dir;
  std::optional<std::filesystem::path> temp_dir;
  if (flags.data_dir) {
    data_dir = *flags.data_dir;
  } else if (const char* env = std::getenv("SPARK_CONTROL_DATA"); env && *env && !flags.demo) {
    data_dir = env;
  } else if (flags.demo) {
    std::string pattern = (std::filesystem::temp_directory_path() / "spark-control-demo-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "spark-control: cannot create a temporary data dir\n";
      return kExitFatal;
    }
    data_dir = pattern;
    temp_dir = data_dir;
  } else {
    data_dir = "data";
  }
  if (Status s = EnsureDirectory(data_dir); !s.ok()) {
    std::cerr << "spark-control: " << s.message() << "\n";
    return kExitFatal;
  }
  RemoveStaleTemps(data_dir);

  std::unique_ptr<DemoCluster> demo;
  if (flags.demo) {
    auto started = DemoCluster::Start(clock);
    if (!started.ok()) {
      std::cerr << "spark-control: demo: " << started.status().message() << "\n";
      return kExitFatal;
    }
    demo = std::move(started).value();
  }

  ConfigSources sources;
  if (flags.config) sources.operator_file = *flags.config;
  sources.overlay_file = data_dir / "config.yaml";
  sources.environment = ReadEnvironment();
  if (demo) sources.demo = demo->ConfigPatch();
  auto opened = ConfigStore::Open(std::move(sources), clock);
  if (!opened.ok()) {
    std::cerr << "spark-control: invalid configuration: " << opened.status().message() << "\n";
    return kExitUsage;
  }
  std::unique_ptr<ConfigStore> config = std::move(opened).value();
  // Start-up fallbacks and notes: logged now, shown in /api/status warnings while running.
  std::vector<std::string> startup_notes = config->startup_notes();

  ChangeFeed changes;
  EventLogOptions log_options;
  log_options.dir = data_dir;
  EventLog events(log_options, clock);
  events.feed().Forward(&changes);

  const ConfigPtr initial = config->Current();
  auto poller_options = [](const Config& c) {
    PollerOptions o;
    o.interval = FromSeconds(c.probe.interval_s);
    o.timeout = FromSeconds(c.probe.timeout_s);
    return o;
  };
  Poller poller(poller_options(*initial), &MakeCurlHttpClient, events, clock);
  poller.feed().Forward(&changes);
  ReportStats reports;
  auto service_names = [](const Config& c) {
    std::vector<std::string> names = {"vllm"};
    for (const auto& [name, s] : c.services) names.push_back(name);
    return names;
  };
  reports.EnsureServices(service_names(*initial));
  SourceLabels sources_labels(32, static_cast<size_t>(initial->limits.max_source_bytes));
  DiarizationStats diarization(static_cast<size_t>(initial->limits.max_source_bytes));

  auto catalog_opened = OpenCatalog(*config, data_dir, clock, startup_notes);
  if (!catalog_opened.ok()) {
    std::cerr << "spark-control: invalid model catalog: " << catalog_opened.status().message()
              << "\n";
    return kExitUsage;
  }
  std::unique_ptr<Catalog> catalog = std::move(catalog_opened).value();
  for (const std::string& note : catalog->notes()) Log(LogLevel::kWarn, note);

  // The remote side: the simulated cluster in demo mode, libssh2 otherwise.
  std::unique_ptr<RemoteExecutor> executor;
  SshExecutor* ssh_executor = nullptr;
  if (demo) {
    auto simulated = std::make_unique<SimulatedExecutor>(clock);
    SimulatedCluster cluster;
    cluster.on_served_model = [&demo](const std::optional<std::string>& served) {
      demo->vllm().Serve(served.value_or(""));
    };
    AddSparkVllmDockerRules(*simulated, std::move(cluster));
    executor = std::move(simulated);
  } else {
    auto real = std::make_unique<SshExecutor>(SshSettingsFromConfig(*initial, data_dir), clock);
    ssh_executor = real.get();
    executor = std::move(real);
  }
  SshHealth ssh_health;
  MonitoredExecutor monitored(*executor, ssh_health);
  SshIdentitySource identity(data_dir, *config);
  ControllerDeps controller_deps{
      monitored,
      *catalog,
      *config,
      clock,
      &MakeCurlHttpClient,
      [&poller](const std::string& service) { poller.ProbeNow(service); },
      [&poller]() -> std::optional<std::string> {
        const SnapshotPtr snapshot = poller.Current();
        const auto vllm = snapshot->services.find("vllm");
        if (vllm == snapshot->services.end() || !vllm->second.up.value_or(false)) return {};
        return vllm->second.model;
      }};
  auto controller =
      std::make_unique<Controller>(std::move(controller_deps), data_dir / "jobs.jsonl");
  for (const std::string& note : controller->notes()) Log(LogLevel::kWarn, note);
  controller->feed().Forward(&changes);
  auto heartbeat = std::make_unique<SshHeartbeat>(
      monitored, [&config] { return ConfiguredSparks(*config->Current()); },
      std::chrono::seconds(30));

  Scraper scraper([&config] { return config->Current()->cluster; });
  scraper.Add(MakeServiceMetrics(poller));
  scraper.Add(MakeReportMetrics(reports, events));
  scraper.Add(MakeDiarizationMetrics(diarization));
  scraper.Add(MakeBuildInfoMetrics(SPARK_VERSION, SPARK_REVISION));
  scraper.Add(MakeProcessMetrics(clock));
  scraper.Add(MakeControllerMetrics(*controller, ssh_health, *catalog, poller,
                                    [&config] { return ConfiguredSparks(*config->Current()); }));

  const bool open_beyond_loopback = !IsLoopback(flags.listen);
  AuditLog audit({data_dir});
  auto warnings = [&config, &audit, open_beyond_loopback, startup_notes] {
    const ConfigPtr c = config->Current();
    std::vector<std::string> out = startup_notes;
    if (auto failing = audit.Warning()) out.push_back(std::move(*failing));
    for (auto& w : ConfigWarnings(*c)) out.push_back(std::move(w));
    if (open_beyond_loopback && !c->auth.token) {
      out.push_back("no auth.token is set and spark-control listens beyond loopback: anyone on the "
                    "network can change the cluster (set SPARK_CONTROL_TOKEN)");
    }
    return out;
  };
  for (const std::string& w : warnings()) Log(LogLevel::kWarn, w);

  config->OnChange([&](const Config& c) {
    poller.SetOptions(poller_options(c));
    poller.SetTargets(ProbeTargetsFor(c));
    reports.EnsureServices(service_names(c));
    if (ssh_executor != nullptr) ssh_executor->Reconfigure(SshSettingsFromConfig(c, data_dir));
    heartbeat->Poke();
    changes.Bump();
  });

  App app{clock,      *config,     poller,    events,      reports,
          sources_labels, diarization, scraper,  changes,   warnings,    *catalog,
          *controller, monitored,  ssh_health, [&identity] { return identity.Get(); },
          [&heartbeat] { heartbeat->Poke(); },
          Site{flags.listen.substr(0, flags.listen.rfind(':')), OwnHostNames()},
          initial->limits.max_sse_clients};
  ServerOptions server_options;
  server_options.listen = flags.listen;
  server_options.max_sse_clients = app.max_sse_clients_at_start;
  server_options.host_names = app.site.host_names;
  server_options.log_routes = true;
  ServerHooks hooks;
  hooks.config = [&config] { return config->Current(); };
  hooks.on_rate_limited = [&reports] { reports.RecordRateLimited(); };
  hooks.audit = [&audit, &clock](const Request& request, const Route* route, int status,
                                 const Config& checked) {
    if (!IsAudited(request, route, status)) return;
    (void)audit.Append(MakeAuditRecord(request, route, status, checked, clock.WallNow()));
  };
  if (LogEnabled(LogLevel::kDebug)) hooks.access_log = [](const std::string& line) { Log(LogLevel::kDebug, line); };
  auto server = HttpServer::Start(server_options, AppRoutes(app), hooks, clock);
  if (!server.ok()) {
    std::cerr << "spark-control: " << server.status().message() << "\n";
    return kExitFatal;
  }
  std::printf("listening on %s\n", (*server)->url().c_str());
  std::fflush(stdout);
  Log(LogLevel::kInfo, "spark-control " + std::string(SPARK_VERSION) + " serving on " + (*server)->url() +
                           " (data dir " + data_dir.string() + (flags.demo ? ", demo mode" : "") + ")");

  poller.SetTargets(ProbeTargetsFor(*initial));
  if (demo) {
    const std::string self = "http://127.0.0.1:" + std::to_string((*server)->port());
    demo->StartClients(self, [&config] { return config->Current()->auth.report_token; }, &MakeCurlHttpClient);
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  Log(LogLevel::kInfo, std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
  // Stop everything side by side, and bound the whole at 2 s: nothing acknowledged can be
  // lost (appends and config writes complete before their answer), so the watchdog's exit
  // only cuts idle keep-alive connections and probes short.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1800));
    Log(LogLevel::kWarn, "shutdown took longer than 1.8 s; exiting now");
    std::fflush(nullptr);
    _exit(kExitOk);
  }).detach();
  (*server)->BeginShutdown();
  changes.WakeAll();
  controller->feed().WakeAll();
  std::thread stop_poller([&poller] { poller.Stop(); });
  server = Status::Ok();  // closes connections, waits for in-flight requests
  // Running jobs end as `interrupted` (the remote side carries on); then the executor, whose
  // simulated cluster drives the demo's fakes, and the demo.
  heartbeat.reset();
  controller.reset();
  executor.reset();
  demo.reset();
  stop_poller.join();
  Log(LogLevel::kInfo, "stopped");
  if (temp_dir) {
    std::error_code ec;
    std::filesystem::remove_all(*temp_dir, ec);
  }
  return kExitOk;
}

}  // namespace
}  // namespace spark

int main(int argc, char** argv) {
  auto flags = spark::ParseFlags(argc, argv);
  if (std::holds_alternative<int>(flags)) return std::get<int>(flags);
  return spark::Run(std::get<spark::Flags>(flags));
}
