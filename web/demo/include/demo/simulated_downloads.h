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
#include <optional>
#include <string>
#include <vector>

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

// What a poll of a detached job's directory finds (`: spark-control-poll …;`).
struct PollState {
  bool alive = false;
  std::optional<int> status;      // the script's exit code, once written
  uint64_t size = 0;              // the log's size
  uint64_t next = 0;              // the end of this chunk
  std::optional<uint64_t> bytes;  // under the repo's blobs/ (polls with measure=1)
};
// The poll's stdout as the real command prints it: the state line, the chunk's lines (`\r`
// made `\n`), the carry (its unterminated end, "" after a newline) and the end line.
std::vector<std::string> PollReplyLines(const PollState& state, std::string chunk);

// Adds the rules: call after AddSparkVllmDockerRules (the rule added last wins).
void AddHfRules(SimulatedExecutor& executor, const Clock& clock, SimulatedHub hub = {});

}  // namespace spark
