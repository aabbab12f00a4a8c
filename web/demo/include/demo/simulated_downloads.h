#pragma once
// The demo's Hugging Face side: answers the marker lines of the download, cache and detached-job
// commands (`: spark-control-VERB key=value …;`, issue 14's design) the way two Sparks and the
// Hub would. The Hub answers per repo name: `gated` → 401, `missing` → 404, `huge` → 5 TB of
// files; otherwise 2–40 GB derived from the name (the bundled models their real sizes). A
// detached download grows its bytes linearly over 5–20 s (from the name; a resumed one only the
// rest), then copies to Spark 2 for a few seconds in cluster mode (a repo named `stall` stops
// getting bytes at 60 % and waits forever); a kill stops it where it is and keeps the partial
// bytes. The caches start with the bundled models (solo ones on Spark 1,
// cluster ones on both) and follow what is downloaded and deleted. Thread-safe (the executor's
// rules run on any thread); time comes from `clock`.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "demo/simulated_detached.h"
#include "demo/simulated_executor.h"

namespace spark {

struct CachedRepo {
  std::string hf_repo;
  int64_t size_bytes = 0;
  bool cluster = false;  // in Spark 2's cache too
};

// The five bundled models of models.yaml with their real sizes on disk.
std::vector<CachedRepo> BundledCacheRepos();

struct SimulatedHub {
  std::string hf_hub = "/home/demo/.cache/huggingface/hub";  // what a cache scan reports
  Duration latency = std::chrono::milliseconds(40);          // before each answer (0 in unit tests)
  std::vector<CachedRepo> cached = BundledCacheRepos();      // in the caches from the start
};

// Adds the rules: call after AddSparkVllmDockerRules (the rule added last wins). Downloads play
// in `detached` (a new one when null), whose detach, poll and kill rules this adds too.
void AddHfRules(SimulatedExecutor& executor, const Clock& clock, SimulatedHub hub = {},
                std::shared_ptr<SimulatedDetachedJobs> detached = nullptr);

}  // namespace spark
