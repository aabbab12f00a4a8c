#include "exporter/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

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

Scraper::Scraper(std::function<std::string()> cluster_name, const Clock& clock, Duration max_lag)
    : cluster_name_(std::move(cluster_name)), clock_(clock), max_lag_(max_lag) {}

void Scraper::Add(std::shared_ptr<const MetricsSource> source) {
  std::lock_guard lock(mu_);
  sources_.push_back(std::move(source));
  cached_.reset();
}

uint64_t Scraper::renders() const {
  std::lock_guard lock(mu_);
  return renders_;
}

Scraper::Versions Scraper::ReadVersions() const {
  Versions versions;
  versions.state.reserve(sources_.size());
  versions.all.reserve(sources_.size());
  for (const auto& source : sources_) {
    versions.state.push_back(source->state_version());
    versions.all.push_back(source->version());
  }
  return versions;
}

std::shared_ptr<const std::string> Scraper::Render() {
  std::lock_guard lock(mu_);
  Versions versions = ReadVersions();
  std::string cluster = cluster_name_();
  const SteadyTime now = clock_.Now();
  if (cached_ && versions.state == cached_versions_.state && cluster == cached_cluster_ &&
      (versions.all == cached_versions_.all || now - rendered_at_ < max_lag_)) {
    return cached_;
  }
  Families families;
  for (const auto& source : sources_) source->Collect(families);
  for (auto& family : families) {
    if (family.name.rfind("spark_control_", 0) != 0) continue;
    for (auto& metric : family.metric) {
      metric.label.insert(metric.label.begin(), {"cluster", cluster});
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  cached_ = std::make_shared<const std::string>(out.str());
  cached_versions_ = std::move(versions);
  cached_cluster_ = std::move(cluster);
  rendered_at_ = now;
  ++renders_;
  return cached_;
}

}  // namespace spark
