#pragma once
// Sees a service die between two polls: one idle TCP connection held to each probed service's
// host:port, never written to. When the server closes it (EOF or reset), the watch reconnects
// at once: a refusal means nothing listens any more, and `refused` is called; a new
// connection is just a server dropping an idle keep-alive, and nothing is reported. A connect
// that times out or finds no route judges nothing (the poll stays the backstop) and is retried
// after `retry`, as is a refusal; the first connect after a refusal calls `reachable`.
// One thread per target (a slow name lookup never delays another), each wait bounded and cut
// short by SetTargets or the destructor. Waits are network I/O in real time (clock.h).
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exporter/clock.h"
#include "exporter/probe.h"

namespace spark {

struct WatchOptions {
  Duration retry = std::chrono::milliseconds(250);  // after a refusal, a timeout or an error
  Duration connect_timeout = std::chrono::milliseconds(1000);  // per address
};

// Called on the target's watch thread; must not call back into the ConnectionWatch.
struct WatchEvents {
  // A connection the watch held was lost and the reconnect was refused (once per refusal:
  // retries refused again are not reported until a connect has succeeded in between).
  std::function<void(const std::string& service, const std::string& error)> refused;
  // The first successful connect after a refusal (at start or after a reported one).
  std::function<void(const std::string& service)> reachable;
};

class ConnectionWatch {
 public:
  ConnectionWatch(WatchOptions options, WatchEvents events);
  ~ConnectionWatch();  // stops and joins every thread (a name lookup in progress ends first)
  ConnectionWatch(const ConnectionWatch&) = delete;
  ConnectionWatch& operator=(const ConnectionWatch&) = delete;

  // Watches exactly these targets: a new or moved one (host or port) starts a new thread, a
  // removed one's thread is joined; unconfigured targets (no host or port) are skipped.
  void SetTargets(const std::vector<ProbeTarget>& targets);

  // Per service since construction (kept when a target moves): connections made, connections
  // the server ended, connects refused.
  struct Counts {
    uint64_t connects = 0, closes = 0, refusals = 0;
  };
  std::map<std::string, Counts> counts() const;

 private:
  struct Watcher;
  void Run(Watcher& watcher);
  void Hold(Watcher& watcher, int fd);
  void Count(const std::string& service, uint64_t Counts::*field);
  static void StopWatcher(std::unique_ptr<Watcher> watcher);

  const WatchOptions options_;
  const WatchEvents events_;
  std::mutex mu_;  // guards watchers_
  std::map<std::string, std::unique_ptr<Watcher>> watchers_;
  mutable std::mutex counts_mu_;  // guards counts_
  std::map<std::string, Counts> counts_;
};

}  // namespace spark
