#pragma once
// The immutable picture of every probed service that readers share: handlers, the
// metrics collector and SSE streams read the latest Snapshot and never touch the network.

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "exporter/clock.h"
#include "exporter/failure_reason.h"
#include "exporter/histogram.h"
#include "exporter/probe.h"

namespace spark {

struct ProbeSample {
  WallTime ts{};
  bool ok = false;
  double ms = 0;
};

struct ServiceState {
  ProbeTarget target;
  std::optional<bool> up;                                // nullopt until the first probe ends
  FailureReason reason = FailureReason::kNotConfigured;  // when up == false
  std::string error;                                     // human text when up == false
  double latency_ms = 0;                                 // of the latest probe
  std::optional<WallTime> last_change;                   // when `up` last took its current value
  std::optional<std::string> model;  // vLLM: served id; speech: configured model
  // The model of the newest probe that found the service up; kept while it is down (what a
  // crashed vLLM served), reset with `model` when the target changes.
  std::optional<std::string> last_model;
  std::deque<ProbeSample> history;  // the last kHistoryLength probes

  // Cumulative since start (kept across re-configuration of the same service).
  std::array<uint64_t, kAllFailureReasons.size()> failures{};
  uint64_t transitions_up = 0;
  uint64_t transitions_down = 0;
  HistogramData probe_duration{ProbeDurationBuckets()};

  static constexpr size_t kHistoryLength = 60;
};

struct Snapshot {
  uint64_t version = 0;        // bumped by every publish (a probe's sample or a new target)
  uint64_t state_version = 0;  // bumped only when a service's target, up, reason, error or
                               // model changed: a probe with the same result keeps it
  std::map<std::string, ServiceState> services;  // by service name
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

// The model name vLLM serves now: its /v1/models answer of the latest probe, while that probe
// found it up. The one rule every view of "what runs" uses (status, models, metrics, jobs).
inline std::optional<std::string> ServedModel(const Snapshot& snapshot) {
  const auto vllm = snapshot.services.find("vllm");
  if (vllm == snapshot.services.end() || !vllm->second.up.value_or(false)) return std::nullopt;
  return vllm->second.model;
}

}  // namespace spark
