#pragma once
// The controller's families of METRICS.md: spark_control_model_info, _swaps_total,
// _swap_duration_seconds, _jobs_running, _downloads_total, _download_done_bytes,
// _download_size_bytes (these two only while a download runs), _ssh_up,
// _ssh_command_duration_seconds.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controller/catalog.h"
#include "controller/controller.h"
#include "controller/ssh_health.h"
#include "exporter/metrics.h"
#include "exporter/poller.h"

namespace spark {

// `sparks()` names the configured Sparks (their ssh_command_duration_seconds series exist
// from the start; ssh_up appears once the first command to a Spark has ended).
std::shared_ptr<MetricsSource> MakeControllerMetrics(
    const Controller& controller, const SshHealth& ssh, const Catalog& catalog,
    const Poller& poller, std::function<std::vector<std::string>()> sparks);

}  // namespace spark
