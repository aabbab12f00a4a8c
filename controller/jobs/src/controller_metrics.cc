#include "controller/controller_metrics.h"

namespace spark {
namespace {

using prometheus::MetricType;

class ControllerMetrics final : public MetricsSource {
 public:
  ControllerMetrics(const Controller& controller, const SshHealth& ssh, const Catalog& catalog,
                    const Poller& poller, std::function<std::vector<std::string>()> sparks)
      : controller_(controller),
        ssh_(ssh),
        catalog_(catalog),
        poller_(poller),
        sparks_(std::move(sparks)) {}

  uint64_t version() const override {
    return controller_.version() * 1000003u + ssh_.version() * 31u +
           poller_.Current()->state_version;
  }

  void Collect(Families& out) const override {
    CollectModel(out);
    const ControllerStats stats = controller_.Stats();
    auto swaps = MakeFamily("spark_control_swaps_total", "Model swaps by how they ended.",
                            MetricType::Counter);
    for (const char* outcome : {"succeeded", "failed", "cancelled"}) {
      const auto it = stats.swaps.find(outcome);
      AddCounter(swaps, {{"outcome", outcome}},
                 it == stats.swaps.end() ? 0.0 : static_cast<double>(it->second));
    }
    auto duration =
        MakeFamily("spark_control_swap_duration_seconds",
                   "Time from a swap's start to the new model serving.", MetricType::Histogram);
    AddHistogram(duration, {}, stats.swap_duration);
    auto running =
        MakeFamily("spark_control_jobs_running", "Jobs running now, by kind.", MetricType::Gauge);
    for (JobKind kind : {JobKind::kSwap, JobKind::kDownload, JobKind::kUpdate, JobKind::kService}) {
      const auto it = stats.running.find(kind);
      AddGauge(running, {{"kind", std::string(JobKindName(kind))}},
               it == stats.running.end() ? 0 : it->second);
    }
    out.push_back(std::move(swaps));
    out.push_back(std::move(duration));
    out.push_back(std::move(running));
    CollectDownloads(stats, out);
    CollectSsh(out);
  }

 private:
  void CollectModel(Families& out) const {
    auto info = MakeFamily("spark_control_model_info",
                           "1 for the model vLLM serves now (no series while it serves none).",
                           MetricType::Gauge);
    if (const auto served_model = ServedModel(*poller_.Current())) {
      const std::string& served = *served_model;
      const auto entry = catalog_.FindServed(served);
      AddGauge(info,
               {{"model", entry ? entry->model.id : served},
                {"served_name", served},
                {"mode", entry ? std::string(ModeName(entry->model.mode)) : "unknown"}},
               1);
    }
    out.push_back(std::move(info));
  }

  // downloads_total from the start; the per-repo gauges only while a download runs.
  void CollectDownloads(const ControllerStats& stats, Families& out) const {
    auto total = MakeFamily("spark_control_downloads_total", "Model downloads by how they ended.",
                            MetricType::Counter);
    for (const char* outcome : {"succeeded", "failed", "cancelled"}) {
      const auto it = stats.downloads.find(outcome);
      AddCounter(total, {{"outcome", outcome}},
                 it == stats.downloads.end() ? 0.0 : static_cast<double>(it->second));
    }
    auto done = MakeFamily("spark_control_download_done_bytes",
                           "Bytes on disk of a running download (its phase: download or copy).",
                           MetricType::Gauge);
    auto size = MakeFamily("spark_control_download_size_bytes",
                           "The Hub's total size of a running download.", MetricType::Gauge);
    // From the same copy as the counters: no second pass over the job history per scrape.
    for (const auto& [repo, progress] : stats.downloading) {
      AddGauge(done, {{"repo", repo}}, static_cast<double>(progress.bytes_done.value_or(0)));
      if (progress.bytes_total) {
        AddGauge(size, {{"repo", repo}}, static_cast<double>(*progress.bytes_total));
      }
    }
    out.push_back(std::move(total));
    out.push_back(std::move(done));
    out.push_back(std::move(size));
  }

  void CollectSsh(Families& out) const {
    auto up =
        MakeFamily("spark_control_ssh_up",
                   "1 if the last SSH command to the Spark reached its shell.", MetricType::Gauge);
    auto duration =
        MakeFamily("spark_control_ssh_command_duration_seconds",
                   "Duration of SSH commands that reached the Spark.", MetricType::Histogram);
    const auto states = ssh_.Snapshot();
    for (const auto& spark : sparks_()) {
      const auto it = states.find(spark);
      if (it != states.end() && it->second.up) AddGauge(up, {{"spark", spark}}, *it->second.up);
      AddHistogram(duration, {{"spark", spark}},
                   it != states.end() ? it->second.durations : HistogramData(SshCommandBuckets()));
    }
    out.push_back(std::move(up));
    out.push_back(std::move(duration));
  }

  const Controller& controller_;
  const SshHealth& ssh_;
  const Catalog& catalog_;
  const Poller& poller_;
  std::function<std::vector<std::string>()> sparks_;
};

}  // namespace

std::shared_ptr<MetricsSource> MakeControllerMetrics(
    const Controller& controller, const SshHealth& ssh, const Catalog& catalog,
    const Poller& poller, std::function<std::vector<std::string>()> sparks) {
  return std::make_shared<ControllerMetrics>(controller, ssh, catalog, poller, std::move(sparks));
}

}  // namespace spark
