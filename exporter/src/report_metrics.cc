// spark_control_health_reports_total, _reported_latency_seconds, _events_total,
// _events_dropped_total.
#include "exporter/event_log.h"
#include "exporter/metrics.h"
#include "exporter/report_stats.h"

namespace spark {
namespace {

using prometheus::MetricType;

class ReportMetrics final : public MetricsSource {
 public:
  ReportMetrics(const ReportStats& reports, const EventLog& events,
                std::function<std::string()> cluster)
      : reports_(reports), events_(events), cluster_(std::move(cluster)) {}

  uint64_t version() const override {
    // Every event append and every report changes one of these.
    return reports_.version() * 1000003u + events_.last_id() * 31u +
           events_.counters().dropped_disk;
  }

  void Collect(Families& out) const override {
    const ReportStats::View view = reports_.Get();
    const EventLog::Counters counters = events_.counters(cluster_());
    auto reports = MakeFamily("spark_control_health_reports_total",
                              "Health reports received from client apps (POST /api/health-event).",
                              MetricType::Counter);
    for (const auto& [key, count] : view.reports) {
      const auto& [service, source, outcome] = key;
      AddCounter(reports, {{"service", service}, {"source", source}, {"outcome", outcome}},
                 static_cast<double>(count));
    }
    auto latency = MakeFamily("spark_control_reported_latency_seconds",
                              "Latency of calls as reported by client apps (the `ms` field).",
                              MetricType::Histogram);
    for (const auto& [key, histogram] : view.latency) {
      AddHistogram(latency, {{"service", key.first}, {"outcome", key.second}}, histogram);
    }
    auto dropped = MakeFamily("spark_control_events_dropped_total",
                              "Connectivity events not written (rate limit or disk failure).",
                              MetricType::Counter);
    AddCounter(dropped, {{"reason", "rate_limit"}}, static_cast<double>(view.rate_limited));
    AddCounter(dropped, {{"reason", "disk"}}, static_cast<double>(counters.dropped_disk));
    auto events = MakeFamily("spark_control_events_total", "Connectivity-log events written.",
                             MetricType::Counter);
    AddCounter(events, {{"type", "transition"}}, static_cast<double>(counters.transitions));
    AddCounter(events, {{"type", "report"}}, static_cast<double>(counters.reports));
    AddCounter(events, {{"type", "recovery"}}, static_cast<double>(counters.recoveries));
    out.push_back(std::move(reports));
    out.push_back(std::move(latency));
    out.push_back(std::move(events));
    out.push_back(std::move(dropped));
  }

 private:
  const ReportStats& reports_;
  const EventLog& events_;
  std::function<std::string()> cluster_;
};

class BuildInfoMetrics final : public MetricsSource {
 public:
  BuildInfoMetrics(std::string version, std::string revision)
      : version_(std::move(version)), revision_(std::move(revision)) {}
  uint64_t version() const override { return 0; }
  void Collect(Families& out) const override {
    auto info = MakeFamily("spark_control_build_info", "Always 1; labels name the running build.",
                           MetricType::Gauge);
    AddGauge(info, {{"version", version_}, {"revision", revision_}}, 1);
    out.push_back(std::move(info));
  }

 private:
  std::string version_;
  std::string revision_;
};

}  // namespace

std::shared_ptr<MetricsSource> MakeReportMetrics(const ReportStats& reports, const EventLog& events,
                                                 std::function<std::string()> cluster) {
  return std::make_shared<ReportMetrics>(reports, events, std::move(cluster));
}

std::shared_ptr<MetricsSource> MakeBuildInfoMetrics(std::string version, std::string revision) {
  return std::make_shared<BuildInfoMetrics>(std::move(version), std::move(revision));
}

}  // namespace spark
