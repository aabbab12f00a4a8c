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

Scraper::Scraper(std::function<std::string()> cluster_name)
    : cluster_name_(std::move(cluster_name)) {}

void Scraper::Add(std::shared_ptr<const MetricsSource> source) {
  std::lock_guard lock(mu_);
  sources_.push_back(std::move(source));
  cached_versions_.clear();
}

std::shared_ptr<const std::string> Scraper::Render() {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> versions;
  versions.reserve(sources_.size());
  for (const auto& source : sources_) versions.push_back(source->version());
  std::string cluster = cluster_name_();
  if (!cached_versions_.empty() && versions == cached_versions_ && cluster == cached_cluster_) {
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
  return cached_;
}

}  // namespace spark
