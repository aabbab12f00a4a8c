#pragma once
// Probes every configured service on its own thread (a slow or hung service never
// delays another), publishes each result into a new immutable Snapshot, and writes a
// transition event whenever a service's up/down state changes.
// The Poller is the single owner of service state. Thread-safe.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "exporter/change_feed.h"
#include "exporter/clock.h"
#include "exporter/event_log.h"
#include "exporter/http_client.h"
#include "exporter/snapshot.h"

namespace spark {

struct PollerOptions {
  Duration interval = std::chrono::seconds(2);
  Duration timeout = std::chrono::milliseconds(1500);         // per probe; < interval
  Duration reprobe_spacing = std::chrono::milliseconds(250);  // coalescing of RequestProbe
  std::string cluster;  // the cluster the transition events name
};

class Poller {
 public:
  Poller(PollerOptions options, HttpClientFactory http, EventLog& events, const Clock& clock);
  ~Poller();  // Stop()
  // Stops every probe thread and waits for them (an in-flight probe ends within its
  // timeout). Idempotent; no probes run afterwards.
  void Stop();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Replaces the set of probed services. A service whose target changed starts again from
  // "unknown" (its first result is logged as a transition); counters are kept.
  void SetTargets(const std::vector<ProbeTarget>& targets);
  // Changes interval/timeout for the next rounds.
  void SetOptions(PollerOptions options);

  // Asks for an immediate probe of `service` (after a client reported a failure).
  // Coalesced: at most one extra probe per service per reprobe_spacing. Unknown names are ignored.
  void RequestProbe(const std::string& service);
  // Probes `service` now on the caller's thread and publishes the result (used after a swap).
  void ProbeNow(const std::string& service);

  SnapshotPtr Current() const;
  // Bumped after every published snapshot.
  ChangeFeed& feed() { return feed_; }

 private:
  struct Monitor;
  void Run(Monitor* monitor);
  ProbeResult RunProbe(HttpClient& http, const ProbeTarget& target, Duration timeout);
  void Publish(const ProbeTarget& target, const ProbeResult& result);
  void PublishTargetsLocked(const std::vector<ProbeTarget>& targets);
  void StopMonitor(std::unique_ptr<Monitor> monitor);

  HttpClientFactory http_factory_;
  EventLog& events_;
  const Clock& clock_;

  mutable std::mutex mu_;  // guards options_, monitors_, snapshot_
  PollerOptions options_;
  std::map<std::string, std::unique_ptr<Monitor>> monitors_;
  bool stopped_ = false;
  SnapshotPtr snapshot_;
  std::mutex publish_mu_;  // serialises Publish (snapshot copy-on-write + events)
  ChangeFeed feed_;
};

}  // namespace spark
