#pragma once
// METRICS.md's spark_control_update_commits_behind: the commits the spark-vllm-docker checkout
// on the head is behind its upstream, from the UpdateMonitor's last good check. No series
// while that is unknown (no check yet, no upstream, a detached HEAD): never a fake 0.

#include <memory>

#include "controller/update_monitor.h"
#include "exporter/metrics.h"

namespace spark {

// Reads `monitor` on each scrape (its Snapshot: no I/O); `monitor` outlives the source.
std::shared_ptr<MetricsSource> MakeUpdateMetrics(const UpdateMonitor& monitor);

}  // namespace spark
