#include "exporter/metrics.h"

#include <map>

#include "exporter/text_format.h"

namespace spark {

prometheus::MetricFamily MakeFamily(std::string name, std::string help,
                                    prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddCounter(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  family.metric.push_back(std::move(metric));
}

void AddGauge(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

void AddHistogram(prometheus::MetricFamily& family, Labels labels, const HistogramData& data) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.histogram.sample_count = data.count();
  metric.histogram.sample_sum = data.sum();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < data.counts().size(); ++i) {
    cumulative += data.counts()[i];
    const double bound =
        i < data.bounds().size() ? data.bounds()[i] : std::numeric_limits<double>::infinity();
    metric.histogram.bucket.push_back({cumulative, bound});
  }
  family.metric.push_back(std::move(metric));
}

Scraper::Scraper(ClusterName default_cluster, const Clock& clock, Duration max_lag)
    : default_cluster_(std::move(default_cluster)), clock_(clock), max_lag_(max_lag) {}

void Scraper::Add(std::shared_ptr<const MetricsSource> source) {
  Add(std::move(source), default_cluster_);
}

void Scraper::Add(std::shared_ptr<const MetricsSource> source, ClusterName cluster) {
  std::lock_guard lock(mu_);
  entries_.push_back({std::move(source), std::move(cluster)});
  cached_.reset();
}

void Scraper::Remove(const MetricsSource* source) {
  std::lock_guard lock(mu_);
  std::erase_if(entries_, [source](const Entry& e) { return e.source.get() == source; });
  cached_.reset();
}

uint64_t Scraper::renders() const {
  std::lock_guard lock(mu_);
  return renders_;
}

Scraper::Versions Scraper::ReadVersions() const {
  Versions versions;
  versions.state.reserve(entries_.size());
  versions.all.reserve(entries_.size());
  versions.clusters.reserve(entries_.size());
  for (const auto& entry : entries_) {
    versions.state.push_back(entry.source->state_version());
    versions.all.push_back(entry.source->version());
    versions.clusters.push_back(entry.cluster());
  }
  return versions;
}

// Collects every source, labels its spark_control_ families with its cluster and merges the
// families of the same name (the exposition format allows each name once), in the order of
// their first appearance.
std::string Scraper::RenderText(const Versions& versions) const {
  Families merged;
  std::map<std::string, size_t, std::less<>> index;
  for (size_t i = 0; i < entries_.size(); ++i) {
    Families families;
    entries_[i].source->Collect(families);
    for (auto& family : families) {
      if (family.name.rfind("spark_control_", 0) == 0) {
        for (auto& metric : family.metric) {
          metric.label.insert(metric.label.begin(), {"cluster", versions.clusters[i]});
        }
      }
      const auto [at, inserted] = index.try_emplace(family.name, merged.size());
      if (inserted) {
        merged.push_back(std::move(family));
        continue;
      }
      auto& into = merged[at->second].metric;
      into.insert(into.end(), std::make_move_iterator(family.metric.begin()),
                  std::make_move_iterator(family.metric.end()));
    }
  }
  std::string out;
  out.reserve(cached_ ? cached_->size() + cached_->size() / 8 : 64 * 1024);
  AppendTextFormat(out, merged);
  return out;
}

std::shared_ptr<const std::string> Scraper::Render() {
  std::lock_guard lock(mu_);
  Versions versions = ReadVersions();
  const SteadyTime now = clock_.Now();
  if (cached_ && versions.state == cached_versions_.state &&
      versions.clusters == cached_versions_.clusters &&
      (versions.all == cached_versions_.all || now - rendered_at_ < max_lag_)) {
    return cached_;
  }
  cached_ = std::make_shared<const std::string>(RenderText(versions));
  cached_versions_ = std::move(versions);
  rendered_at_ = now;
  ++renders_;
  return cached_;
}

}  // namespace spark
