#pragma once
// --demo: a simulated cluster inside the process. A fake vLLM on 127.0.0.1 (Spark 1)
// serving the bundled qwen36 model, fake Parakeet and Magpie on 127.0.0.2 (Spark 2) that
// flap, and simulated LAN clients (open-webui, recap-relay) that post health reports and
// diarization reports to our own API over real HTTP. A product feature, not a test mock.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "demo/fake_speech.h"
#include "demo/fake_vllm.h"
#include "exporter/clock.h"
#include "exporter/http_client.h"
#include "exporter/status.h"

namespace spark {

inline constexpr const char* kDemoModel = "RedHatAI/Qwen3.6-35B-A3B-NVFP4";

class DemoCluster {
 public:
  static Result<std::unique_ptr<DemoCluster>> Start(const Clock& clock);
  ~DemoCluster();  // stops the clients, then the fakes
  DemoCluster(const DemoCluster&) = delete;
  DemoCluster& operator=(const DemoCluster&) = delete;

  // The config layer that points spark-control at the fakes.
  nlohmann::json ConfigPatch() const;
  // Starts the LAN clients posting reports to `server_url` (with `token()` when set).
  void StartClients(std::string server_url, std::function<std::optional<std::string>()> token,
                    HttpClientFactory http);
  FakeVllm& vllm() { return *vllm_; }

 private:
  explicit DemoCluster(const Clock& clock) : clock_(clock) {}
  void RunClients(std::string server_url, std::function<std::optional<std::string>()> token,
                  std::unique_ptr<HttpClient> http);

  const Clock& clock_;
  std::unique_ptr<FakeVllm> vllm_;
  std::unique_ptr<FakeSpeech> parakeet_;
  std::unique_ptr<FakeSpeech> magpie_;
  std::thread clients_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace spark
