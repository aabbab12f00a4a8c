#include "controller/recovery_metrics.h"

namespace spark {
namespace {

class RecoveryMetrics final : public MetricsSource {
 public:
  explicit RecoveryMetrics(const RecoveryLoop& loop) : loop_(loop) {}

  uint64_t version() const override { return loop_.version(); }

  void Collect(Families& out) const override {
    auto total = MakeFamily("spark_control_recoveries_total",
                            "Automatic relaunches and restarts by how their job ended.",
                            prometheus::MetricType::Counter);
    for (const auto& [service, outcomes] : loop_.counts().outcomes) {
      for (const auto& [outcome, n] : outcomes) {
        AddCounter(total, {{"service", service}, {"outcome", outcome}}, static_cast<double>(n));
      }
    }
    auto state = MakeFamily("spark_control_recovery_state",
                            "1 for the recovery state each service is in, 0 for the others.",
                            prometheus::MetricType::Gauge);
    for (const auto& [service, status] : loop_.Snapshot()) {
      for (RecoveryState s : kAllRecoveryStates) {
        AddGauge(state, {{"service", service}, {"state", std::string(RecoveryStateName(s))}},
                 s == status.state ? 1 : 0);
      }
    }
    out.push_back(std::move(total));
    out.push_back(std::move(state));
  }

 private:
  const RecoveryLoop& loop_;
};

}  // namespace

std::shared_ptr<MetricsSource> MakeRecoveryMetrics(const RecoveryLoop& loop) {
  return std::make_shared<RecoveryMetrics>(loop);
}

}  // namespace spark
