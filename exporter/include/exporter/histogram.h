#pragma once
// A histogram as a value: fixed upper bounds, per-bucket counts, sum and count.
// Owners keep one inside their state and copy it into snapshots; not thread-safe.

#include <cstdint>
#include <vector>

namespace spark {

class HistogramData {
 public:
  // `bounds` must be strictly increasing; +Inf is implicit.
  explicit HistogramData(std::vector<double> bounds);

  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative counts, one per bound plus the +Inf bucket.
  const std::vector<uint64_t>& counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

// Bucket layouts shared by the families of METRICS.md.
std::vector<double> ProbeDurationBuckets();    // 5 ms … 10 s
std::vector<double> ReportedLatencyBuckets();  // 10 ms … 60 s
std::vector<double> SwapDurationBuckets();     // 15 s … 30 min
std::vector<double> SshCommandBuckets();       // 10 ms … 5 min
std::vector<double> ConfidenceBuckets();       // 0.1, 0.2 … 1.0

}  // namespace spark
