#pragma once
// The demo's vLLM: an HTTP server on loopback with the OpenAI /v1/models, /health, /version
// ({"version": …}: the version of the image it was launched from) and a /metrics that carries
// every vllm: family the dashboards query, moving like a server under a light chat load.
// Thread-safe.

#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "demo/fake_server.h"
#include "exporter/clock.h"
#include "exporter/histogram.h"
#include "exporter/status.h"

namespace spark {

class FakeVllm {
 public:
  // Serves `served_model` on `listen_host` (a loopback address; port 0 = any free port).
  static Result<std::unique_ptr<FakeVllm>> Start(std::string served_model,
                                                 const std::string& listen_host, int port,
                                                 const Clock& clock);

  int port() const { return listener_->port(); }
  // What /v1/models lists; empty = not serving (health 503, models 503), as during a swap. A
  // model after a Crash() opens the port again (the relaunched container's server is up).
  void Serve(std::string served_model);
  // The engine dies: nothing is served and the port is closed (connects are refused).
  void Crash();
  bool listening() const { return listener_->listening(); }
  std::string served_model() const;
  // What /version reports from now on (set at each launch: the launched image's vLLM).
  void SetVersion(std::string version);
  std::string version() const;
  // The /metrics body now (advances the simulated load to the present).
  std::string RenderMetrics();

 private:
  explicit FakeVllm(const Clock& clock);
  void AdvanceLocked();

  const Clock& clock_;
  std::unique_ptr<FakeListener> listener_;
  mutable std::mutex mu_;
  std::string model_;
  std::string version_ = "0.11.1";
  std::mt19937 rng_{std::random_device{}()};
  SteadyTime last_advance_;
  double prompt_tokens_ = 0, generation_tokens_ = 0, prefix_queries_ = 0, prefix_hits_ = 0;
  double requests_ok_ = 0, running_ = 0, waiting_ = 0, kv_usage_ = 0;
  HistogramData ttft_, itl_, e2e_, queue_;
};

}  // namespace spark
