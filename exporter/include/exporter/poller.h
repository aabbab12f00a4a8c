#pragma once
// Probes every configured service on its own thread (a slow or hung service never
// delays another), publishes each result into a new immutable Snapshot, and writes a
// transition event whenever a service's up/down state changes. Between polls a
// ConnectionWatch (connection_watch.h) holds an idle connection to each service and reports a
// refused reconnect through MarkRefused, so a death is seen without waiting for the next poll.
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
#include "exporter/connection_watch.h"
#include "exporter/event_log.h"
#include "exporter/http_client.h"
#include "exporter/snapshot.h"

namespace spark {

struct PollerOptions {
  Duration interval = std::chrono::seconds(2);
  Duration timeout = std::chrono::milliseconds(1500);         // per probe; < interval
  Duration reprobe_spacing = std::chrono::milliseconds(250);  // coalescing of RequestProbe
  std::string cluster;            // the cluster the transition events name
  bool watch_connections = true;  // hold a ConnectionWatch between the polls
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
  // Changes interval/timeout for the next rounds; starts or stops the connection watch.
  void SetOptions(PollerOptions options);

  // Asks for an immediate probe of `service` (after a client reported a failure).
  // Coalesced: at most one extra probe per service per reprobe_spacing. Unknown names are ignored.
  void RequestProbe(const std::string& service);
  // Probes `service` now on the caller's thread and publishes the result (used after a swap).
  void ProbeNow(const std::string& service);

  // Publishes a failed result with reason `refused` and `error` for `service` now, as a probe
  // would (the transition event, with source "watch", and the failure counter), but without a
  // sample in its history or the probe-duration histogram: those hold real probes only.
  // Ignored for an unknown service. Called by the connection watch.
  void MarkRefused(const std::string& service, std::string error);
  // The connection watch's counts per service; empty while the watch is off.
  std::map<std::string, ConnectionWatch::Counts> WatchCounts() const;

  SnapshotPtr Current() const;
  // Bumped after every published snapshot.
  ChangeFeed& feed() { return feed_; }

 private:
  struct Monitor;
  void Run(Monitor* monitor);
  ProbeResult RunProbe(HttpClient& http, const ProbeTarget& target, Duration timeout);
  enum class Origin { kProbe, kWatch };
  void Publish(const ProbeTarget& target, const ProbeResult& result, Origin origin);
  void ApplyWatch(bool on);
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
  // Taken before publish_mu_ and mu_, never by the watch's callbacks, so the watch is
  // destroyed (its threads joined) under it.
  mutable std::mutex watch_mu_;
  std::unique_ptr<ConnectionWatch> watch_;  // null while watch_connections is off
  std::vector<ProbeTarget> watched_;        // the latest targets, for a watch turned on
};

}  // namespace spark
