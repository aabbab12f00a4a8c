// spark_control_service_up, _probe_duration_seconds, _probe_failures_total,
// _service_transitions_total, _service_last_transition_timestamp_seconds.
#include "exporter/metrics.h"
#include "exporter/poller.h"
#include "exporter/time_format.h"

namespace spark {
namespace {

using prometheus::MetricType;

class ServiceMetrics final : public MetricsSource {
 public:
  explicit ServiceMetrics(const Poller& poller) : poller_(poller) {}

  uint64_t version() const override { return poller_.Current()->version; }
  // Up/down, reasons and transitions; durations and repeated failures only add samples.
  uint64_t state_version() const override { return poller_.Current()->state_version; }

  void Collect(Families& out) const override {
    const SnapshotPtr snapshot = poller_.Current();
    auto up = MakeFamily("spark_control_service_up",
                         "1 if the latest probe of the service succeeded, 0 otherwise "
                         "(also when not configured).",
                         MetricType::Gauge);
    auto duration = MakeFamily("spark_control_probe_duration_seconds",
                               "Round-trip time of service probes.", MetricType::Histogram);
    auto failures = MakeFamily("spark_control_probe_failures_total",
                               "Failed probes by classified reason.", MetricType::Counter);
    auto transitions =
        MakeFamily("spark_control_service_transitions_total",
                   "Changes of a service's probed state between up and down.", MetricType::Counter);
    auto last = MakeFamily("spark_control_service_last_transition_timestamp_seconds",
                           "Unix time at which the service took its current up/down state.",
                           MetricType::Gauge);
    for (const auto& [name, state] : snapshot->services) {
      AddGauge(up, {{"service", name}, {"kind", state.target.kind}},
               state.up.value_or(false) ? 1 : 0);
      AddHistogram(duration, {{"service", name}}, state.probe_duration);
      for (FailureReason reason : kAllFailureReasons) {
        AddCounter(failures,
                   {{"service", name}, {"reason", std::string(FailureReasonName(reason))}},
                   static_cast<double>(state.failures[static_cast<size_t>(reason)]));
      }
      AddCounter(transitions, {{"service", name}, {"to", "up"}},
                 static_cast<double>(state.transitions_up));
      AddCounter(transitions, {{"service", name}, {"to", "down"}},
                 static_cast<double>(state.transitions_down));
      if (state.last_change) AddGauge(last, {{"service", name}}, UnixSeconds(*state.last_change));
    }
    out.push_back(std::move(up));
    out.push_back(std::move(duration));
    out.push_back(std::move(failures));
    out.push_back(std::move(transitions));
    out.push_back(std::move(last));
  }

 private:
  const Poller& poller_;
};

}  // namespace

std::shared_ptr<MetricsSource> MakeServiceMetrics(const Poller& poller) {
  return std::make_shared<ServiceMetrics>(poller);
}

}  // namespace spark
