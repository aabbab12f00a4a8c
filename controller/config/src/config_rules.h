#pragma once
// Private to the config schema: the rules across keys that a config decoded key by key must
// still keep.

#include "controller/config.h"
#include "exporter/status.h"

namespace spark {

// The first broken rule as invalid_field naming its key: distinct cluster names, then for the
// default cluster and each `clusters` entry (keys named `clusters[N].…`) the caps on `sparks`
// and `services` (limits.*), references (vllm.spark and each service's spark name a Spark;
// service kinds, ports, paths) and allow-listed remote names; probe.timeout_s <
// probe.interval_s.
Status CheckConfigRules(const Config& config);

}  // namespace spark
