#include "exporter/report_stats.h"

#include <algorithm>

namespace spark {

std::string_view TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands before a lead byte.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

SourceLabels::SourceLabels(size_t max_sources, size_t max_bytes, size_t reserved_for_token)
    : max_sources_(max_sources),
      max_bytes_(max_bytes),
      open_slots_(max_sources - std::min(max_sources, reserved_for_token)) {}

std::string SourceLabels::Label(std::string_view source, bool with_token) {
  if (source.empty()) return "unknown";
  std::string label(TruncateUtf8(source, max_bytes_));
  std::lock_guard lock(mu_);
  if (known_.count(label)) return label;
  if (known_.size() >= max_sources_) return "other";
  if (!with_token) {
    if (taken_without_token_ >= open_slots_) return "other";
    ++taken_without_token_;
  }
  known_.insert(label);
  return label;
}

namespace {
const char* Outcome(bool ok) { return ok ? "ok" : "failure"; }
}  // namespace

void ReportStats::EnsureServices(const std::vector<std::string>& services) {
  std::lock_guard lock(mu_);
  for (const std::string& service : services) {
    for (bool ok : {true, false}) {
      view_.latency.try_emplace({service, Outcome(ok)}, ReportedLatencyBuckets());
    }
  }
  ++view_.version;
}

void ReportStats::Record(const std::string& service, const std::string& source_label, bool ok,
                         std::optional<double> seconds) {
  std::lock_guard lock(mu_);
  ++view_.reports[{service, source_label, Outcome(ok)}];
  if (seconds) {
    view_.latency.try_emplace({service, Outcome(ok)}, ReportedLatencyBuckets())
        .first->second.Observe(*seconds);
  }
  ++view_.version;
}

void ReportStats::RecordRateLimited() {
  std::lock_guard lock(mu_);
  ++view_.rate_limited;
  ++view_.version;
}

ReportStats::View ReportStats::Get() const {
  std::lock_guard lock(mu_);
  return view_;
}

uint64_t ReportStats::version() const {
  std::lock_guard lock(mu_);
  return view_.version;
}

}  // namespace spark
