#pragma once
// Counters of POST /api/diarization per client `source` (label values bounded by SourceLabels):
// the confidence histogram, segments by known/unknown confidence, uncertain segments.
// Thread-safe; metrics read a copy (diarization_metrics.cc).

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "exporter/diarization.h"
#include "exporter/histogram.h"
#include "exporter/report_stats.h"

namespace spark {

class DiarizationStats {
 public:
  struct SourceSeries {
    HistogramData confidence{ConfidenceBuckets()};
    uint64_t known = 0;      // segments with a confidence
    uint64_t unknown = 0;    // segments with a null confidence
    uint64_t uncertain = 0;  // segments below the threshold
  };
  struct View {
    std::map<std::string, SourceSeries> sources;  // by label value; all series of a source at once
    uint64_t version = 0;
  };

  // `max_source_bytes` cuts label values (limits.max_source_bytes); 32 sources (8 of them
  // only for senders with a token), then "other".
  explicit DiarizationStats(size_t max_source_bytes = 64) : labels_(32, max_source_bytes) {}

  // Counts one answered request's segments under `source`'s label (`with_token`: the
  // request carried a valid token, see SourceLabels).
  void Record(std::string_view source, const DiarizationResult& result, bool with_token = false);
  View Get() const;
  uint64_t version() const;

 private:
  SourceLabels labels_;
  mutable std::mutex mu_;
  View view_;
};

}  // namespace spark
