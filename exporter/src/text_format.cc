#include "exporter/text_format.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>

namespace spark {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// A sample value: "Nan", "+Inf", "-Inf", else the shortest of 16 significant digits (what
// std::ostream prints at precision 16 in its default notation).
void AppendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "Nan";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Inf" : "+Inf";
    return;
  }
  char digits[32];
  const auto written =
      std::to_chars(digits, digits + sizeof digits, value, std::chars_format::general,
                    std::numeric_limits<double>::max_digits10 - 1);
  out.append(digits, written.ptr);
}

void AppendCount(std::string& out, uint64_t value) {
  char digits[24];
  const auto written = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, written.ptr);
}

// A label value with backslash, double quote and line feed escaped.
void AppendLabelValue(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// "name_suffix{labels,extra} ": the name, its labels and one optional extra label.
void AppendHead(std::string& out, const MetricFamily& family, const ClientMetric& metric,
                std::string_view suffix = {}, std::string_view extra_name = {},
                std::string_view extra_value = {}) {
  out += family.name;
  out += suffix;
  if (!metric.label.empty() || !extra_name.empty()) {
    char separator = '{';
    for (const auto& label : metric.label) {
      out += separator;
      out += label.name;
      out += "=\"";
      AppendLabelValue(out, label.value);
      out += '"';
      separator = ',';
    }
    if (!extra_name.empty()) {
      out += separator;
      out += extra_name;
      out += "=\"";
      out += extra_value;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

void AppendTail(std::string& out, const ClientMetric& metric) {
  if (metric.timestamp_ms != 0) {
    out += ' ';
    out += std::to_string(metric.timestamp_ms);
  }
  out += '\n';
}

// The _count and _sum lines that open a histogram or a summary.
void AppendCountAndSum(std::string& out, const MetricFamily& family, const ClientMetric& metric,
                       uint64_t count, double sum) {
  AppendHead(out, family, metric, "_count");
  AppendCount(out, count);
  AppendTail(out, metric);
  AppendHead(out, family, metric, "_sum");
  AppendDouble(out, sum);
  AppendTail(out, metric);
}

void AppendHistogram(std::string& out, const MetricFamily& family, const ClientMetric& metric) {
  const auto& histogram = metric.histogram;
  AppendCountAndSum(out, family, metric, histogram.sample_count, histogram.sample_sum);
  double last = -std::numeric_limits<double>::infinity();
  std::string bound;
  for (const auto& bucket : histogram.bucket) {
    bound.clear();
    AppendDouble(bound, bucket.upper_bound);
    AppendHead(out, family, metric, "_bucket", "le", bound);
    AppendCount(out, bucket.cumulative_count);
    AppendTail(out, metric);
    last = bucket.upper_bound;
  }
  if (last != std::numeric_limits<double>::infinity()) {
    AppendHead(out, family, metric, "_bucket", "le", "+Inf");
    AppendCount(out, histogram.sample_count);
    AppendTail(out, metric);
  }
}

void AppendSummary(std::string& out, const MetricFamily& family, const ClientMetric& metric) {
  const auto& summary = metric.summary;
  AppendCountAndSum(out, family, metric, summary.sample_count, summary.sample_sum);
  std::string quantile;
  for (const auto& q : summary.quantile) {
    quantile.clear();
    AppendDouble(quantile, q.quantile);
    AppendHead(out, family, metric, "", "quantile", quantile);
    AppendDouble(out, q.value);
    AppendTail(out, metric);
  }
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      break;
  }
  return "untyped";
}

void AppendSample(std::string& out, const MetricFamily& family, const ClientMetric& metric) {
  switch (family.type) {
    case MetricType::Counter:
      AppendHead(out, family, metric);
      AppendDouble(out, metric.counter.value);
      break;
    case MetricType::Gauge:
      AppendHead(out, family, metric);
      AppendDouble(out, metric.gauge.value);
      break;
    case MetricType::Untyped:
      AppendHead(out, family, metric);
      AppendDouble(out, metric.untyped.value);
      break;
    case MetricType::Histogram:
      return AppendHistogram(out, family, metric);
    case MetricType::Summary:
      return AppendSummary(out, family, metric);
  }
  AppendTail(out, metric);
}

}  // namespace

void AppendTextFormat(std::string& out, const Families& families) {
  for (const MetricFamily& family : families) {
    if (!family.help.empty()) {
      out += "# HELP ";
      out += family.name;
      out += ' ';
      out += family.help;
      out += '\n';
    }
    out += "# TYPE ";
    out += family.name;
    out += ' ';
    out += TypeName(family.type);
    out += '\n';
    for (const ClientMetric& metric : family.metric) AppendSample(out, family, metric);
  }
}

}  // namespace spark
