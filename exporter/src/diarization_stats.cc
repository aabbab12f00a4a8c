#include "exporter/diarization_stats.h"

namespace spark {

void DiarizationStats::Record(std::string_view source, const DiarizationResult& result,
                              bool with_token) {
  const std::string label = labels_.Label(source, with_token);
  std::lock_guard lock(mu_);
  SourceSeries& series = view_.sources[label];
  for (const SegmentVerdict& segment : result.segments) {
    if (segment.confidence) {
      series.confidence.Observe(*segment.confidence);
      ++series.known;
    } else {
      ++series.unknown;
    }
    if (segment.uncertain) ++series.uncertain;
  }
  ++view_.version;
}

DiarizationStats::View DiarizationStats::Get() const {
  std::lock_guard lock(mu_);
  return view_;
}

uint64_t DiarizationStats::version() const {
  std::lock_guard lock(mu_);
  return view_.version;
}

}  // namespace spark
