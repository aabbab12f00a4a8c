// POST /api/health-event: the body as the route parses it, then the event it becomes. A
// refused body names its field; an accepted one respects every bound of API.md and comes
// back unchanged from events.jsonl (EncodeEvent → DecodeEvent).
#include <cmath>

#include "controller/config.h"
#include "exporter/connectivity_event.h"
#include "exporter/report_stats.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"
#include "web/request_bodies.h"

namespace spark::fuzz {

void FuzzHealthEvent(std::string_view input) {
  const auto body = ParseBody(input);
  if (!body.ok()) return;
  static const Config config;  // vllm, parakeet and magpie
  const auto report = ParseHealthReport(*body, config);
  if (!report.ok()) {
    RequireFieldError(report.status(), {"service", "ok", "source", "error", "ms"});
    return;
  }
  Require(report->service == "vllm" || config.services.count(report->service) > 0,
          "the service is vllm or a configured one");
  Require(report->source.size() <= kMaxReportSourceBytes, "source is at most 256 bytes");
  Require(report->error.size() <= static_cast<size_t>(config.limits.max_string_bytes),
          "error is at most max_string_bytes");
  Require(!report->ms || (std::isfinite(*report->ms) && *report->ms >= 0), "ms is finite, >= 0");

  ConnectivityEvent event = ReportEvent(*report);
  event.id = 1;
  const std::string line = EncodeEvent(event);
  Require(line.find('\n') == std::string::npos, "an event is one line");
  const auto stored = DecodeEvent(line);
  Require(stored.ok(), "the stored line decodes");
  Require(stored->service == event.service && stored->ok == event.ok &&
              stored->source == event.source && stored->error == event.error &&
              stored->ms == event.ms,
          "the stored event is the reported one");
}

}  // namespace spark::fuzz
