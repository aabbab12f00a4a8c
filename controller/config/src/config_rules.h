#pragma once
// Private to the config schema: the rules across keys that a config decoded key by key must
// still keep.

#include "controller/config.h"
#include "exporter/status.h"

namespace spark {

// The first broken rule as invalid_field naming its key: the caps on `sparks` and `services`
// (limits.*), references (vllm.spark and each service's spark name a Spark; service kinds,
// ports, paths), probe.timeout_s < probe.interval_s, and allow-listed remote names.
Status CheckConfigRules(const Config& config);

}  // namespace spark
