#pragma once
// What a line of vLLM's start-up log means for a swap (SPARK-VLLM-DOCKER.md "What vLLM
// prints"). Pure; tested against text captured from real start-ups in tests/testdata.

#include <optional>
#include <string_view>

namespace spark {

struct VllmLogSignal {
  enum class Kind {
    kNone,      // an ordinary line
    kLoading,   // "Loading safetensors checkpoint shards:  40% Completed | 4/10 [...]"
    kGraphs,    // "Capturing CUDA graphs": weights are in, start-up continues
    kReady,     // "Application startup complete."
    kFatal,     // EngineDeadError, "Engine core initialization failed"
    kTraceback  // a Python traceback began (fatal once the container exits)
  };
  Kind kind = Kind::kNone;
  std::optional<double> percent;  // kLoading: 0–100
};

VllmLogSignal ParseVllmLogLine(std::string_view line);

}  // namespace spark
