#pragma once
// /metrics is rendered from sources that each turn an immutable view of their owner's
// state into families (prometheus-cpp's Collectable idea, without its registry). No
// source does network I/O; the rendered text is shared between scrapes until a value it
// shows changed (see Scraper for when a change is shown at once and when up to 1 s late), so
// a scrape of unchanged state re-renders nothing.

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
  // Changes whenever a state Collect shows changed (a service's up/down and failure reason, the
  // served model, a job, a configuration), as opposed to a counter or histogram that only grew
  // by another sample (a probe's duration, a repeated failure). Default: version().
  virtual uint64_t state_version() const { return version(); }
};

// Small builders shared by the sources.
prometheus::MetricFamily MakeFamily(std::string name, std::string help,
                                    prometheus::MetricType type);
void AddCounter(prometheus::MetricFamily& family, Labels labels, double value);
void AddGauge(prometheus::MetricFamily& family, Labels labels, double value);
void AddHistogram(prometheus::MetricFamily& family, Labels labels, const HistogramData& data);

// Renders every source into text exposition format 0.0.4, adding `cluster` as the first
// label of every spark_control_ family: each source is labelled with the cluster it was added
// for, and families of the same name from several clusters are merged into one. The text is
// re-rendered when a source's state_version, a cluster name or the set of sources changed, or
// when only a version changed and the text is at least `max_lag` old: a state shows at the
// next scrape, a grown counter or histogram at most `max_lag` late. Unchanged sources are
// never re-rendered. Thread-safe.
class Scraper {
 public:
  using ClusterName = std::function<std::string()>;
  // `default_cluster` labels the sources added without a cluster of their own.
  Scraper(ClusterName default_cluster, const Clock& clock,
          Duration max_lag = std::chrono::seconds(1));
  void Add(std::shared_ptr<const MetricsSource> source);
  void Add(std::shared_ptr<const MetricsSource> source, ClusterName cluster);
  // Drops a source (a cluster removed while running); its series leave the next scrape.
  void Remove(const MetricsSource* source);
  // The exposition text; shared, so concurrent scrapes of unchanged state copy nothing
  // while holding the lock.
  std::shared_ptr<const std::string> Render();
  // How many times the text was rendered (for tests and the bench).
  uint64_t renders() const;

 private:
  struct Entry {
    std::shared_ptr<const MetricsSource> source;
    ClusterName cluster;
  };
  struct Versions {
    std::vector<uint64_t> state;
    std::vector<uint64_t> all;
    std::vector<std::string> clusters;
  };
  Versions ReadVersions() const;
  std::string RenderText(const Versions& versions) const;

  ClusterName default_cluster_;
  const Clock& clock_;
  const Duration max_lag_;
  mutable std::mutex mu_;  // guards everything below
  std::vector<Entry> entries_;
  std::shared_ptr<const std::string> cached_;
  Versions cached_versions_;
  SteadyTime rendered_at_{};
  uint64_t renders_ = 0;
};

// The families of METRICS.md, one source each.
class Poller;
class EventLog;
class ReportStats;
class DiarizationStats;
std::shared_ptr<MetricsSource> MakeServiceMetrics(const Poller& poller);
// A cluster's reports, and the events the log wrote (or failed to) naming `cluster()`.
std::shared_ptr<MetricsSource> MakeReportMetrics(const ReportStats& reports, const EventLog& events,
                                                 std::function<std::string()> cluster);
std::shared_ptr<MetricsSource> MakeDiarizationMetrics(const DiarizationStats& stats);
std::shared_ptr<MetricsSource> MakeBuildInfoMetrics(std::string version, std::string revision);
// process_* from /proc/self, re-read at most once per second of `clock` (a scrape in between
// shows the cached sample; its version changes only when a re-read found new values).
std::shared_ptr<MetricsSource> MakeProcessMetrics(const Clock& clock);

}  // namespace spark
