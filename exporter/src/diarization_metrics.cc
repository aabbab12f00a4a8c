// spark_control_diarization_segment_confidence, _segments_total, _uncertain_segments_total.
#include "exporter/diarization_stats.h"
#include "exporter/metrics.h"

namespace spark {
namespace {

using prometheus::MetricType;

class DiarizationMetrics final : public MetricsSource {
 public:
  explicit DiarizationMetrics(const DiarizationStats& stats) : stats_(stats) {}

  uint64_t version() const override { return stats_.version(); }

  void Collect(Families& out) const override {
    const DiarizationStats::View view = stats_.Get();
    auto confidence = MakeFamily("spark_control_diarization_segment_confidence",
                                 "Per-segment speaker confidence of diarization reports "
                                 "(POST /api/diarization).",
                                 MetricType::Histogram);
    auto segments = MakeFamily("spark_control_diarization_segments_total",
                               "Diarization segments received, by whether their confidence is "
                               "known.",
                               MetricType::Counter);
    auto uncertain = MakeFamily("spark_control_diarization_uncertain_segments_total",
                                "Diarization segments whose confidence is below "
                                "diarization.uncertain_below.",
                                MetricType::Counter);
    for (const auto& [source, series] : view.sources) {
      AddHistogram(confidence, {{"source", source}}, series.confidence);
      AddCounter(segments, {{"source", source}, {"confidence", "known"}},
                 static_cast<double>(series.known));
      AddCounter(segments, {{"source", source}, {"confidence", "unknown"}},
                 static_cast<double>(series.unknown));
      AddCounter(uncertain, {{"source", source}}, static_cast<double>(series.uncertain));
    }
    out.push_back(std::move(confidence));
    out.push_back(std::move(segments));
    out.push_back(std::move(uncertain));
  }

 private:
  const DiarizationStats& stats_;
};

}  // namespace

std::shared_ptr<MetricsSource> MakeDiarizationMetrics(const DiarizationStats& stats) {
  return std::make_shared<DiarizationMetrics>(stats);
}

}  // namespace spark
