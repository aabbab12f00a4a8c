#include "controller/update_metrics.h"

namespace spark {
namespace {

class UpdateMetrics final : public MetricsSource {
 public:
  explicit UpdateMetrics(const UpdateMonitor& monitor) : monitor_(monitor) {}

  uint64_t version() const override { return monitor_.version(); }

  void Collect(Families& out) const override {
    auto behind = MakeFamily("spark_control_update_commits_behind",
                             "spark-vllm-docker commits the checkout on the head is behind its "
                             "upstream",
                             prometheus::MetricType::Gauge);
    const UpdateStatus status = monitor_.Snapshot();
    const bool known = status.state == "ok" || status.state == "behind" || status.state == "dirty";
    if (known && status.checkout && status.checkout->behind) {
      AddGauge(behind, {}, *status.checkout->behind);
    }
    out.push_back(std::move(behind));
  }

 private:
  const UpdateMonitor& monitor_;
};

}  // namespace

std::shared_ptr<MetricsSource> MakeUpdateMetrics(const UpdateMonitor& monitor) {
  return std::make_shared<UpdateMetrics>(monitor);
}

}  // namespace spark
