#pragma once
// The demo's spark-vllm-docker checkout and `vllm-node` images (issue 15), played from the
// marker statements of the update command lines (update_commands.h): `update-check` finds the
// checkout on Spark 1 four commits behind its upstream (real-looking subjects, dates in the last
// days); `image` shows both tags on a Spark (both Sparks start with the same `vllm-node`, built a
// week ago with vLLM 0.11.1, and no `vllm-node:previous`); `image-tag` retags; the detached
// `update-apply` body streams build-and-copy.sh's kind of output for ~20 s (phase lines pulling,
// building; the copy's lines), pulls (behind 0), then puts a new image on the head and, with a
// copy, on the other Sparks. A launch uses the head's `vllm-node` of that moment, so vLLM's
// version follows an apply or a rollback only at the next launch. Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "demo/simulated_detached.h"
#include "demo/simulated_executor.h"

namespace spark {

struct SimulatedImage {
  std::string id;       // sha256:…
  std::string created;  // as docker prints it
  std::string version;  // the vLLM inside
};

struct SimulatedCommit {
  std::string sha;
  std::string date;  // ISO 8601 strict
  std::string subject;
};

class SimulatedUpdates {
 public:
  explicit SimulatedUpdates(const Clock& clock);

  // The vLLM version a launch on the head starts now ("" without an image).
  std::string LaunchVersion() const;
  // The stdout of `: spark-control-update-check;`.
  std::vector<std::string> CheckLines() const;
  // The stdout of `: spark-control-image;` on `spark`.
  std::vector<std::string> ImageLines(const std::string& spark) const;
  // `docker tag FROM TO` on `spark`: the `image TO …` line, or nullopt when FROM is absent.
  std::optional<std::string> Tag(const std::string& spark, const std::string& from,
                                 const std::string& to);
  // What the plays change: the checkout pulled; a built image on `sparks` (head first).
  void Pulled();
  void Built(const std::vector<std::string>& sparks, const SimulatedImage& image);
  // The image the next apply builds (a newer nightly each time; created is set when built).
  SimulatedImage NextBuild();
  int Behind() const;
  WallTime Now() const { return clock_.WallNow(); }

 private:
  const Clock& clock_;
  mutable std::mutex mu_;  // guards everything below
  std::string local_, upstream_;
  std::vector<SimulatedCommit> commits_;                                 // newest first: HEAD..@{u}
  std::map<std::string, std::map<std::string, SimulatedImage>> images_;  // spark → tag → image
  int builds_ = 0;
};

// Adds the rules for the check, image and image-tag lines, and the `update-apply` play to
// `detached` (whose detach rules AddHfRules adds). `latency` before each answer.
void AddUpdateRules(SimulatedExecutor& executor, std::shared_ptr<SimulatedUpdates> updates,
                    const std::shared_ptr<SimulatedDetachedJobs>& detached,
                    Duration latency = std::chrono::milliseconds(300));

}  // namespace spark
