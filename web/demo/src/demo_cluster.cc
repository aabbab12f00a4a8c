#include "demo/demo_cluster.h"

#include <random>

#include "demo/demo_diarization.h"

namespace spark {

std::vector<DemoClusterSpec> DemoClusterSpecs() {
  return {{"lab", kDemoModel, "127.0.0.1", "127.0.0.2", 8, 20},
          {"prod", "google/gemma-4-26B-A4B-it", "127.0.0.3", "127.0.0.4", 33, 47}};
}

Result<std::unique_ptr<DemoCluster>> DemoCluster::Start(DemoClusterSpec spec, const Clock& clock) {
  std::unique_ptr<DemoCluster> demo(new DemoCluster(std::move(spec), clock));
  const DemoClusterSpec& s = demo->spec_;
  auto vllm = FakeVllm::Start(s.served_model, s.spark1_host, 0, clock);
  if (!vllm.ok()) return vllm.status();
  demo->vllm_ = std::move(vllm).value();
  FlapSchedule parakeet_schedule;
  parakeet_schedule.first_outage_s = s.parakeet_first_outage_s;
  FlapSchedule magpie_schedule;
  magpie_schedule.first_outage_s = s.magpie_first_outage_s;
  auto parakeet = FakeSpeech::Start(s.spark2_host, parakeet_schedule, clock);
  if (!parakeet.ok()) return parakeet.status();
  demo->parakeet_ = std::move(parakeet).value();
  auto magpie = FakeSpeech::Start(s.spark2_host, magpie_schedule, clock);
  if (!magpie.ok()) return magpie.status();
  demo->magpie_ = std::move(magpie).value();
  demo->containers_ = std::make_shared<SimulatedContainers>(
      clock, std::vector<std::string>{"vllm_node", "parakeet", "magpie"});
  demo->containers_->OnStart("parakeet", [p = demo->parakeet_.get()] { p->Restarted(); });
  demo->containers_->OnStart("magpie", [m = demo->magpie_.get()] { m->Restarted(); });
  return demo;
}

Result<nlohmann::json> DemoCluster::Crash(const std::string& service) {
  std::string container = service;
  int exit_code = 1;
  bool oom = false;
  if (service == "vllm") {
    if (vllm_->served_model().empty()) {
      return Status::Error(ErrorCode::kConflict,
                           "vLLM serves no model now (a swap or a recovery runs, or it is "
                           "stopped): nothing to crash");
    }
    container = "vllm_node";
    oom = vllm_crashes_++ % 2 == 1;
    exit_code = oom ? 137 : 1;
    containers_->Crash(container, exit_code, oom, !oom);
    vllm_->Crash();
  } else if (service == "parakeet" || service == "magpie") {
    FakeSpeech& fake = service == "parakeet" ? *parakeet_ : *magpie_;
    if (fake.crashed()) {
      return Status::Error(ErrorCode::kConflict, service +
                                                     " has crashed already: wait for its "
                                                     "recovery, or start it");
    }
    // The container's record first: whoever sees the port close finds it exited.
    containers_->Crash(container, exit_code, oom, false);
    fake.Crash();
  } else {
    return Status::Error(ErrorCode::kNotFound,
                         "the demo crashes vllm, parakeet or magpie, not " + service, "service");
  }
  return nlohmann::json{{"service", service},
                        {"container", container},
                        {"exit_code", exit_code},
                        {"oom_killed", oom}};
}

Result<DemoClusters> StartDemoClusters(const Clock& clock) {
  DemoClusters clusters;
  for (DemoClusterSpec& spec : DemoClusterSpecs()) {
    auto started = DemoCluster::Start(std::move(spec), clock);
    if (!started.ok()) return started.status();
    clusters.push_back(std::move(started).value());
  }
  return clusters;
}

nlohmann::json DemoConfigPatch(const DemoClusters& clusters) {
  nlohmann::json patch = nlohmann::json::object();
  nlohmann::json more = nlohmann::json::array();
  for (size_t i = 0; i < clusters.size(); ++i) {
    nlohmann::json keys = clusters[i]->ConfigPatch();
    if (i == 0) {
      patch = std::move(keys);
      patch["cluster"] = clusters[i]->name();
    } else {
      keys["name"] = clusters[i]->name();
      more.push_back(std::move(keys));
    }
  }
  if (!more.empty()) patch["clusters"] = std::move(more);
  // Short backoffs, so that a simulated crash's recovery can be watched.
  patch["recovery"] = {{"backoff_s", {5, 20, 60}}};
  return patch;
}

DemoCluster::~DemoCluster() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (clients_.joinable()) clients_.join();
}

nlohmann::json DemoCluster::ConfigPatch() const {
  return {{"sparks",
           {{"spark1", {{"host", spec_.spark1_host}, {"user", "demo"}}},
            {"spark2", {{"host", spec_.spark2_host}, {"user", "demo"}}}}},
          {"vllm", {{"port", vllm_->port()}}},
          {"services",
           {{"parakeet", {{"port", parakeet_->port()}}}, {"magpie", {{"port", magpie_->port()}}}}},
          // Where Open WebUI would listen next to the cluster (its default port): the overview's
          // "Open in Open WebUI" link, with the served model selected.
          {"open_webui", {{"url", "http://" + spec_.spark1_host + ":3000/"}}}};
}

void DemoCluster::StartClients(std::string server_url,
                               std::function<std::optional<std::string>()> token,
                               HttpClientFactory http) {
  clients_ = std::thread([this, server_url = std::move(server_url), token = std::move(token),
                          client = http()]() mutable {
    RunClients(std::move(server_url), std::move(token), std::move(client));
  });
}

// Two apps calling the cluster and reporting each call, as Open WebUI and Recap Relay do;
// Recap Relay also reports the diarization of its recordings.
void DemoCluster::RunClients(std::string server_url,
                             std::function<std::optional<std::string>()> token,
                             std::unique_ptr<HttpClient> http) {
  std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0, 1);
  std::lognormal_distribution<double> llm_ms(6.6, 0.5), stt_ms(5.6, 0.4), tts_ms(5.2, 0.35);
  struct Call {
    const char* source;
    const char* service;
  };
  const Call calls[] = {{"open-webui", "vllm"},    {"recap-relay", "parakeet"},
                        {"recap-relay", "vllm"},   {"open-webui", "magpie"},
                        {"recap-relay", "magpie"}, {"open-webui", "vllm"}};
  auto post = [&](const char* path, const nlohmann::json& body) {
    HttpRequest request;
    request.method = "POST";
    request.url = server_url + path + "?cluster=" + spec_.name;
    request.body = body.dump();
    request.timeout = std::chrono::seconds(2);
    if (auto t = token()) request.bearer_token = *t;
    (void)http->Send(request);
  };
  size_t next = 0;
  while (true) {
    {
      std::unique_lock lock(mu_);
      const auto pause = std::chrono::milliseconds(600 + static_cast<int>(unit(rng) * 1200));
      if (cv_.wait_for(lock, pause, [this] { return stop_; })) return;
    }
    // Recap Relay diarizes a recording every fifth round, with and without frame scores.
    if (next % 5 == 0) post("/api/diarization", SyntheticDiarization(rng, next % 10 == 0));
    const Call& call = calls[next++ % std::size(calls)];
    const std::string service = call.service;
    bool ok = true;
    std::string error;
    double ms = 0;
    if (service == "vllm") {
      ok = !vllm_->served_model().empty() && unit(rng) > 0.03;
      error = vllm_->served_model().empty() ? "connection refused" : "HTTP 500: upstream timeout";
      ms = llm_ms(rng);
    } else {
      FakeSpeech& fake = service == "parakeet" ? *parakeet_ : *magpie_;
      ok = fake.up() && unit(rng) > 0.02;
      error = fake.up() ? "HTTP 500" : fake.failure();
      ms = service == "parakeet" ? stt_ms(rng) : tts_ms(rng);
      if (!fake.up() && error.rfind("timeout", 0) == 0) ms = 10000;  // the client gave up
    }
    nlohmann::json body = {
        {"service", service}, {"ok", ok}, {"source", call.source}, {"ms", std::round(ms)}};
    if (!ok) body["error"] = error;
    post("/api/health-event", body);
  }
}

}  // namespace spark
