#pragma once
// /metrics is rendered from sources that each turn an immutable view of their owner's
// state into families (prometheus-cpp's Collectable idea, without its registry). No
// source does network or disk I/O; the rendered text is cached until a source's version
// changes, so a scrape of unchanged state costs a string copy.

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exporter/clock.h"
#include "exporter/histogram.h"

namespace spark {

using Families = std::vector<prometheus::MetricFamily>;
using Labels = std::vector<prometheus::ClientMetric::Label>;

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  // Appends this source's families. Must not block on I/O. Thread-safe.
  virtual void Collect(Families& out) const = 0;
  // Changes whenever Collect would produce different output.
  virtual uint64_t version() const = 0;
};

// Small builders shared by the sources.
prometheus::MetricFamily MakeFamily(std::string name, std::string help,
                                    prometheus::MetricType type);
void AddCounter(prometheus::MetricFamily& family, Labels labels, double value);
void AddGauge(prometheus::MetricFamily& family, Labels labels, double value);
void AddHistogram(prometheus::MetricFamily& family, Labels labels, const HistogramData& data);

// Renders every source into text exposition format 0.0.4, adding `cluster` as the first
// label of every spark_control_ family. Thread-safe.
class Scraper {
 public:
  explicit Scraper(std::function<std::string()> cluster_name);
  void Add(std::shared_ptr<const MetricsSource> source);
  // The exposition text; shared, so concurrent scrapes of unchanged state copy nothing
  // while holding the lock.
  std::shared_ptr<const std::string> Render();

 private:
  std::function<std::string()> cluster_name_;
  std::vector<std::shared_ptr<const MetricsSource>> sources_;
  std::mutex mu_;
  std::shared_ptr<const std::string> cached_;
  std::string cached_cluster_;
  std::vector<uint64_t> cached_versions_;
};

// The families of METRICS.md, one source each.
class Poller;
class EventLog;
class ReportStats;
class DiarizationStats;
std::shared_ptr<MetricsSource> MakeServiceMetrics(const Poller& poller);
std::shared_ptr<MetricsSource> MakeReportMetrics(const ReportStats& reports,
                                                 const EventLog& events);
std::shared_ptr<MetricsSource> MakeDiarizationMetrics(const DiarizationStats& stats);
std::shared_ptr<MetricsSource> MakeBuildInfoMetrics(std::string version, std::string revision);
// process_* from /proc/self, re-read at most once per second.
std::shared_ptr<MetricsSource> MakeProcessMetrics(const Clock& clock);

}  // namespace spark
