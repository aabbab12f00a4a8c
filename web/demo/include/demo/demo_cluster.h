#pragma once
// --demo: simulated clusters inside the process. Each has a fake vLLM on its Spark 1 address
// serving a bundled model, fake Parakeet and Magpie on its Spark 2 address that flap, and
// simulated LAN clients (open-webui, recap-relay) that post health reports and diarization
// reports about it to our own API over real HTTP. A product feature, not a test mock. The
// demo runs two clusters, `lab` (127.0.0.1/.2, Qwen3.6) and `prod` (127.0.0.3/.4, Gemma 4).

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "demo/fake_speech.h"
#include "demo/fake_vllm.h"
#include "demo/simulated_containers.h"
#include "exporter/clock.h"
#include "exporter/http_client.h"
#include "exporter/status.h"

namespace spark {

inline constexpr const char* kDemoModel = "RedHatAI/Qwen3.6-35B-A3B-NVFP4";

// One simulated cluster: its name, what its vLLM serves first, its Sparks' loopback addresses
// and when its speech services first fail.
struct DemoClusterSpec {
  std::string name;
  std::string served_model;
  std::string spark1_host;
  std::string spark2_host;
  double parakeet_first_outage_s = 8;
  double magpie_first_outage_s = 20;
};

// The two clusters of `--demo`.
std::vector<DemoClusterSpec> DemoClusterSpecs();

class DemoCluster {
 public:
  static Result<std::unique_ptr<DemoCluster>> Start(DemoClusterSpec spec, const Clock& clock);
  ~DemoCluster();  // stops the clients, then the fakes
  DemoCluster(const DemoCluster&) = delete;
  DemoCluster& operator=(const DemoCluster&) = delete;

  const std::string& name() const { return spec_.name; }
  // The cluster's keys that point spark-control at the fakes (sparks, vllm, services).
  nlohmann::json ConfigPatch() const;
  // Starts the LAN clients posting reports about this cluster to `server_url` (with
  // `?cluster=` its name, and `token()` when set).
  void StartClients(std::string server_url, std::function<std::optional<std::string>()> token,
                    HttpClientFactory http);
  FakeVllm& vllm() { return *vllm_; }
  // The containers of the cluster's Sparks (vllm_node, parakeet, magpie), for its executor.
  const std::shared_ptr<SimulatedContainers>& containers() const { return containers_; }
  // POST /api/demo/crash/{service}: `service` dies as a crash would. Its port closes (the probe
  // and the connection watch see refused) and its container is left `exited`: vLLM with
  // EngineDeadError (exit 1), every second time OOM-killed (137); a speech service exits 1.
  // Recovery's relaunch (vLLM) or `docker start` (speech) brings it back. {"service",
  // "container", "exit_code", "oom_killed"}; not_found for another service, conflict when
  // it is down already (vLLM: while it serves no model).
  Result<nlohmann::json> Crash(const std::string& service);

 private:
  DemoCluster(DemoClusterSpec spec, const Clock& clock) : spec_(std::move(spec)), clock_(clock) {}
  void RunClients(std::string server_url, std::function<std::optional<std::string>()> token,
                  std::unique_ptr<HttpClient> http);

  const DemoClusterSpec spec_;
  const Clock& clock_;
  std::unique_ptr<FakeVllm> vllm_;
  std::unique_ptr<FakeSpeech> parakeet_;
  std::unique_ptr<FakeSpeech> magpie_;
  std::shared_ptr<SimulatedContainers> containers_;
  std::atomic<int> vllm_crashes_{0};
  std::thread clients_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

using DemoClusters = std::vector<std::unique_ptr<DemoCluster>>;

// Starts a DemoCluster per spec of DemoClusterSpecs().
Result<DemoClusters> StartDemoClusters(const Clock& clock);
// The demo's config layer: the first cluster as the default one (`cluster:` its name and the
// single-cluster keys), the others as `clusters:` entries, and recovery backoffs of 5, 20 and
// 60 s.
nlohmann::json DemoConfigPatch(const DemoClusters& clusters);

}  // namespace spark
