#pragma once
// The demo's Parakeet / Magpie: a /health endpoint on loopback that goes down now and
// then, alternating between answering 503 and hanging past the probe deadline, so the
// connectivity log and the transition metrics have something to show (it never exits on its
// own: the probe sees an unhealthy server, not a dead one). Crash() closes its port until
// Restarted() (the container's `docker start`). Thread-safe.

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "demo/fake_server.h"
#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

struct FlapSchedule {
  double first_outage_s = 12;  // the first outage starts this long after start
  double up_min_s = 25, up_max_s = 60;
  double down_min_s = 6, down_max_s = 12;
};

class FakeSpeech {
 public:
  static Result<std::unique_ptr<FakeSpeech>> Start(std::string listen_host, FlapSchedule schedule,
                                                   const Clock& clock);
  ~FakeSpeech();
  int port() const { return listener_->port(); }
  // Whether the service answers 200 now (the LAN clients use it to report realistically).
  bool up();
  // "HTTP 503", "timeout" or "connection refused" while down.
  std::string failure();
  // The container dies: the port closes. False when it is down already.
  bool Crash();
  bool crashed();
  // The container started again: the port opens (a no-op unless it crashed).
  void Restarted();

 private:
  FakeSpeech(FlapSchedule schedule, const Clock& clock);
  void UpdateLocked();

  const FlapSchedule schedule_;
  const Clock& clock_;
  std::unique_ptr<FakeListener> listener_;
  std::mutex mu_;
  std::mt19937 rng_{std::random_device{}()};
  bool up_ = true;
  bool hang_ = false;     // how the current outage shows
  bool crashed_ = false;  // the port is closed until Restarted()
  SteadyTime next_change_;
  std::atomic<bool> stopping_{false};
};

}  // namespace spark
