#pragma once
// Counters of client health reports (POST /api/health-event) and a bounded set of
// `source` label values. Thread-safe.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "exporter/histogram.h"

namespace spark {

// The longest `source` a report may carry (its label value is cut shorter, see below).
inline constexpr size_t kMaxReportSourceBytes = 256;

// Maps free-form client names to label values: a name, cut to `max_bytes` on a UTF-8
// boundary, keeps its own label while slots last, later ones become "other"; an empty name
// becomes "unknown". Of the `max_sources` slots, `reserved_for_token` are given only to names
// sent with a valid admin or report token, so an unauthenticated flood of names cannot take
// them all (they wait for a token holder even while no token is configured: one can be set
// live). A slot, once given, is never taken back, so Prometheus increase() keeps working over
// a series' whole life. Thread-safe.
class SourceLabels {
 public:
  explicit SourceLabels(size_t max_sources = 32, size_t max_bytes = 64,
                        size_t reserved_for_token = 8);
  // `with_token`: the request carried a valid admin or report token.
  std::string Label(std::string_view source, bool with_token = false);

 private:
  const size_t max_sources_;
  const size_t max_bytes_;
  const size_t open_slots_;  // slots a name sent without a token may take
  std::mutex mu_;
  std::set<std::string, std::less<>> known_;
  size_t taken_without_token_ = 0;
};

// Cuts `s` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view s, size_t max_bytes);

class ReportStats {
 public:
  using ReportKey = std::tuple<std::string, std::string, std::string>;  // service, source, outcome
  using LatencyKey = std::pair<std::string, std::string>;               // service, outcome

  struct View {
    std::map<ReportKey, uint64_t> reports;
    std::map<LatencyKey, HistogramData> latency;
    uint64_t rate_limited = 0;
    uint64_t version = 0;
  };

  // Makes every service × outcome latency series exist at 0 (so increase() sees the first).
  void EnsureServices(const std::vector<std::string>& services);
  // Counts one accepted report; `seconds` is the client's measured latency if given.
  void Record(const std::string& service, const std::string& source_label, bool ok,
              std::optional<double> seconds);
  // Counts one report refused by the per-client rate limit.
  void RecordRateLimited();
  View Get() const;
  uint64_t version() const;

 private:
  mutable std::mutex mu_;
  View view_;
};

}  // namespace spark
