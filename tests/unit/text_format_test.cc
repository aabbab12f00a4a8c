// /metrics is written by our own text-format writer: byte for byte what prometheus-cpp's
// TextSerializer writes (the reference, linked from Debian's package), for random families of
// every type, values across the double range and label values that need escaping.
#include "exporter/text_format.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

namespace spark {
namespace {

using prometheus::MetricType;

class RandomFamilies {
 public:
  explicit RandomFamilies(uint64_t seed) : rng_(seed) {}

  double Value() {
    switch (Pick(8)) {
      case 0:
        return std::numeric_limits<double>::quiet_NaN();
      case 1:
        return Pick(2) ? std::numeric_limits<double>::infinity()
                       : -std::numeric_limits<double>::infinity();
      case 2:
        return std::floor(Unit() * 1e9);
      case 3:
        return -Unit() * 1e3;
      case 4:
        return std::ldexp(Unit(), static_cast<int>(Pick(600)) - 300);
      case 5:
        return 0.0;
      default:
        return Unit() * std::pow(10.0, static_cast<double>(Pick(24)) - 12);
    }
  }
  std::string LabelValue() {
    static constexpr std::string_view kChars = "ab\\\"\n z09_-/.{}=,é";
    std::string value;
    for (size_t n = Pick(12); n > 0; --n) value += kChars[Pick(kChars.size())];
    return value;
  }
  Families Make() {
    Families families;
    for (size_t f = 0, count = 1 + Pick(6); f < count; ++f) {
      const auto type = static_cast<MetricType>(Pick(5));
      auto family = MakeFamily("family_" + std::to_string(f), Pick(4) ? "help of it" : "", type);
      for (size_t m = 0, metrics = Pick(5); m < metrics; ++m) family.metric.push_back(Metric());
      families.push_back(std::move(family));
    }
    return families;
  }

 private:
  size_t Pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  double Unit() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  prometheus::ClientMetric Metric() {
    prometheus::ClientMetric metric;
    for (size_t l = 0, labels = Pick(4); l < labels; ++l) {
      metric.label.push_back({"l" + std::to_string(l), LabelValue()});
    }
    metric.counter.value = metric.gauge.value = metric.untyped.value = Value();
    metric.histogram.sample_count = metric.summary.sample_count = rng_() % 100000;
    metric.histogram.sample_sum = metric.summary.sample_sum = Value();
    for (size_t b = 0, buckets = Pick(6); b < buckets; ++b) {
      metric.histogram.bucket.push_back({rng_() % 1000, std::ldexp(1.0, static_cast<int>(b) - 3)});
    }
    if (Pick(2)) {
      metric.histogram.bucket.push_back(
          {metric.histogram.sample_count, std::numeric_limits<double>::infinity()});
    }
    for (size_t q = 0, quantiles = Pick(3); q < quantiles; ++q) {
      metric.summary.quantile.push_back({Unit(), Value()});
    }
    if (Pick(10) == 0) metric.timestamp_ms = static_cast<int64_t>(rng_() % 2000000000000);
    return metric;
  }

  std::mt19937_64 rng_;
};

std::string Reference(const Families& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

TEST(TextFormat, WritesWhatPrometheusCppWrites) {
  RandomFamilies random(20261130);
  for (int round = 0; round < 3000; ++round) {
    const Families families = random.Make();
    std::string ours;
    AppendTextFormat(ours, families);
    ASSERT_EQ(ours, Reference(families)) << "round " << round;
  }
}

TEST(TextFormat, EscapesLabelValuesAndNamesSpecialValues) {
  auto family = MakeFamily("spark_control_x", "X.", MetricType::Gauge);
  AddGauge(family, {{"source", "a\"b\\c\nd"}}, std::numeric_limits<double>::quiet_NaN());
  AddGauge(family, {}, -std::numeric_limits<double>::infinity());
  AddGauge(family, {}, 0.1 + 0.2);
  std::string text;
  AppendTextFormat(text, {family});
  EXPECT_EQ(text,
            "# HELP spark_control_x X.\n# TYPE spark_control_x gauge\n"
            "spark_control_x{source=\"a\\\"b\\\\c\\nd\"} Nan\nspark_control_x -Inf\n"
            "spark_control_x 0.3\n");
}

}  // namespace
}  // namespace spark
