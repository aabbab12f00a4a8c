#pragma once
// METRICS.md's spark_control_recoveries_total{service, outcome} (succeeded, failed; 0 for every
// recoverable service from the start) and spark_control_recovery_state{service, state} (1 for
// the current state, 0 for the other four, for vllm and every configured service), from the
// RecoveryLoop's counts and Snapshot (no I/O).

#include <memory>

#include "controller/recovery_loop.h"
#include "exporter/metrics.h"

namespace spark {

// Reads `loop` on each scrape; `loop` outlives the source.
std::shared_ptr<MetricsSource> MakeRecoveryMetrics(const RecoveryLoop& loop);

}  // namespace spark
