#include "web/cluster.h"

#include "controller/controller_metrics.h"
#include "controller/recovery_metrics.h"
#include "controller/update_metrics.h"
#include "exporter/log.h"

namespace spark {
namespace {

std::filesystem::path JobsFile(const std::filesystem::path& data_dir, const std::string& name,
                               bool is_default) {
  if (is_default) return data_dir / "jobs.jsonl";
  return data_dir / "clusters" / name / "jobs.jsonl";
}

// The controller's journal needs its directory; a failure shows as the controller's note.
std::filesystem::path PreparedJobsFile(const std::filesystem::path& data_dir,
                                       const std::string& name, bool is_default) {
  std::filesystem::path file = JobsFile(data_dir, name, is_default);
  std::error_code ignored;
  std::filesystem::create_directories(file.parent_path(), ignored);
  return file;
}

}  // namespace

Cluster::Cluster(const ClusterEnvironment& env, Config view, bool is_default)
    : view_(std::make_shared<const Config>(std::move(view))),
      poller_(PollerOptionsFor(*view_), env.http, env.events, env.clock),
      sources_(32, static_cast<size_t>(view_->limits.max_source_bytes)),
      diarization_(static_cast<size_t>(view_->limits.max_source_bytes)),
      chosen_(env.make_executor(*view_)),
      monitored_(*chosen_.executor, ssh_health_) {
  poller_.feed().Forward(&env.changes);
  ssh_health_.feed().Forward(&env.changes);
  reports_.EnsureServices(ServiceNames(*view_));
  cache_ = std::make_unique<CacheIndex>(
      CacheIndexDeps{monitored_, [this] { return config(); }, env.clock}, env.cache_scan_interval);
  updates_ = std::make_unique<UpdateMonitor>(
      UpdateMonitorDeps{monitored_, [this] { return config(); }, env.clock, env.http, &env.changes},
      env.update_checks);
  ControllerDeps deps{monitored_,
                      env.catalog,
                      [this] { return config(); },
                      env.clock,
                      env.http,
                      [this](const std::string& service) { poller_.ProbeNow(service); },
                      [this] { return ServedModel(*poller_.Current()); }};
  // The cache listing follows what downloads and deletes change; the update document what
  // updates (the checkout, the images) and swaps (the vLLM version) change; recovery every
  // job's end (its own attempts', and what the user wants now).
  deps.on_finished = [this](const JobInfo& job) {
    if (job.kind == JobKind::kDownload) cache_->RefreshSoon();
    if (job.kind == JobKind::kUpdate) updates_->RefreshSoon();
    if (job.kind == JobKind::kSwap) updates_->RefreshImagesSoon();
    std::lock_guard lock(recovery_mu_);
    if (recovery_) recovery_->JobFinished(job);
  };
  controller_ = std::make_unique<Controller>(
      std::move(deps), PreparedJobsFile(env.data_dir, view_->cluster, is_default));
  for (const std::string& note : controller_->notes()) Log(LogLevel::kWarn, note);
  controller_->feed().Forward(&env.changes);
  if (env.heartbeat_interval > Duration::zero()) {
    heartbeat_ = std::make_unique<SshHeartbeat>(
        monitored_, [this] { return ConfiguredSparks(*config()); }, env.heartbeat_interval);
  }
  metrics_ = {MakeBuildInfoMetrics(env.version, env.revision),
              MakeServiceMetrics(poller_),
              MakeReportMetrics(reports_, env.events, [this] { return name(); }),
              MakeDiarizationMetrics(diarization_),
              MakeControllerMetrics(*controller_, ssh_health_, env.catalog, poller_,
                                    [this] { return ConfiguredSparks(*config()); }),
              MakeUpdateMetrics(*updates_)};
  poller_.SetTargets(ProbeTargetsFor(*view_));
  if (env.recovery) StartRecovery(env);
}

void Cluster::StartRecovery(const ClusterEnvironment& env) {
  auto loop = std::make_unique<RecoveryLoop>(
      RecoveryDeps{monitored_, *controller_, [this] { return config(); }, env.clock,
                   [this] { return poller_.Current(); }, env.events, view_->cluster, &env.changes,
                   std::chrono::seconds(1)});
  metrics_.push_back(MakeRecoveryMetrics(*loop));
  std::lock_guard lock(recovery_mu_);
  recovery_ = std::move(loop);
}

Cluster::~Cluster() {
  Retire();
  std::unique_ptr<RecoveryLoop> recovery;
  {
    std::lock_guard lock(recovery_mu_);
    recovery = std::move(recovery_);
  }
  recovery.reset();  // joins its thread outside the lock: a job ending meanwhile finds none
  controller_.reset();
  updates_.reset();
  cache_.reset();
  chosen_.executor.reset();
}

std::string Cluster::name() const { return config()->cluster; }

ConfigPtr Cluster::config() const {
  std::lock_guard lock(mu_);
  return view_;
}

void Cluster::Reconfigure(Config view) {
  auto next = std::make_shared<const Config>(std::move(view));
  {
    std::lock_guard lock(mu_);
    if (retired_) return;
    view_ = next;
  }
  poller_.SetOptions(PollerOptionsFor(*next));
  poller_.SetTargets(ProbeTargetsFor(*next));
  reports_.EnsureServices(ServiceNames(*next));
  if (chosen_.reconfigure) chosen_.reconfigure(*next);
  CheckSshNow();
}

void Cluster::Retire() {
  std::unique_ptr<SshHeartbeat> heartbeat;
  {
    std::lock_guard lock(mu_);
    retired_ = true;
    heartbeat = std::move(heartbeat_);
  }
  heartbeat.reset();  // joins its thread, outside the lock
  poller_.Stop();
}

bool Cluster::retired() const {
  std::lock_guard lock(mu_);
  return retired_;
}

void Cluster::CheckSshNow() {
  std::lock_guard lock(mu_);
  if (heartbeat_) heartbeat_->Poke();
}

}  // namespace spark
