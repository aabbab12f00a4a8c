#pragma once
// The command line the self-healing loop runs on a container's Spark to learn why a service
// is down (SPARK-VLLM-DOCKER.md "Container state after an exit"): the Spark's boot time, the
// container's state after an exit, and for vLLM whether its log names a dead engine. What it
// prints is read by container_report.h. Pure, thread-safe.

#include <string_view>

#include "controller/command_builder.h"

namespace spark {

// How long an inspect may take (docker inspect + docker logs on a busy Spark).
inline constexpr Duration kInspectTimeout = std::chrono::seconds(20);

// `: spark-control-inspect name=CONTAINER;` (timeout 20 s) on the container's Spark. Prints:
//   boot <epoch seconds>                       (from /proc/stat btime; `boot -` if unknown)
//   container <status> <exit> <oom> <finished> (docker inspect --format of SPARK-VLLM-DOCKER.md)
//   container missing                          (docker knows no such container)
//   container error <text>                     (no docker, daemon down: its first line)
//   engine_dead 0|1     (vLLM only: EngineDeadError|Engine core initialization failed in the
//                        last 200 lines of docker logs; omitted for speech services)
//   spark-control-inspect-end
// The log goes to grep only: nothing of it reaches the output but the flag. invalid_field
// (field "container") for a name outside [A-Za-z0-9][A-Za-z0-9_.-]{0,127}.
Result<RemoteCommandLine> InspectContainer(std::string_view container, bool vllm_markers);

}  // namespace spark
