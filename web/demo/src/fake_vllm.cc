#include "demo/fake_vllm.h"

#include <prometheus/text_serializer.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "demo/fake_server.h"
#include "exporter/log.h"
#include "exporter/metrics.h"
#include "web/json_api.h"

namespace spark {
namespace {

using prometheus::MetricType;

std::vector<double> TtftBuckets() {
  return {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
          0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0};
}
std::vector<double> ItlBuckets() {
  return {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5};
}
std::vector<double> E2eBuckets() {
  return {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0};
}

}  // namespace

FakeVllm::FakeVllm(const Clock& clock)
    : clock_(clock),
      last_advance_(clock.Now()),
      ttft_(TtftBuckets()),
      itl_(ItlBuckets()),
      e2e_(E2eBuckets()),
      queue_(E2eBuckets()) {}

Result<std::unique_ptr<FakeVllm>> FakeVllm::Start(std::string served_model,
                                                  const std::string& listen_host, int port,
                                                  const Clock& clock) {
  std::unique_ptr<FakeVllm> fake(new FakeVllm(clock));
  fake->model_ = std::move(served_model);
  FakeVllm* self = fake.get();
  // The routes that answer only while a model is served; vLLM's own answer while loading,
  // not one of spark-control's error codes.
  std::vector<Route> routes;
  const auto serving = [&routes, self](const char* path,
                                       std::function<Response(const std::string& model)> answer) {
    routes.push_back(
        {"GET",
         path,
         Access::kRead,
         [self, answer](const Request&) {
           const std::string model = self->served_model();
           if (!model.empty()) return answer(model);
           return JsonResponse(
               503, {{"error", {{"code", "not_ready"}, {"message", "the engine is loading"}}}});
         },
         {},
         {}});
  };
  serving("/v1/models", [](const std::string& model) {
    return JsonResponse(200, {{"object", "list"},
                              {"data",
                               {{{"id", model},
                                 {"object", "model"},
                                 {"owned_by", "vllm"},
                                 {"root", model},
                                 {"max_model_len", 262144}}}}});
  });
  serving("/health", [](const std::string&) {
    Response ok;
    ok.content_type = "text/plain";
    return ok;
  });
  serving("/version", [self](const std::string&) {
    return JsonResponse(200, {{"version", self->version()}});
  });
  routes.push_back({"GET",
                    "/metrics",
                    Access::kRead,
                    [self](const Request&) {
                      Response response;
                      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                      response.body = self->RenderMetrics();
                      return response;
                    },
                    {},
                    {}});
  auto listener = FakeListener::Start(listen_host, port, std::move(routes), clock);
  if (!listener.ok()) return listener.status();
  fake->listener_ = std::move(listener).value();
  return fake;
}

void FakeVllm::Serve(std::string served_model) {
  const bool serving = !served_model.empty();
  {
    std::lock_guard lock(mu_);
    model_ = std::move(served_model);
  }
  if (!serving) return;
  if (Status s = listener_->Listen(); !s.ok()) {
    Log(LogLevel::kWarn, "demo: the fake vLLM could not listen again: " + s.message());
  }
}

void FakeVllm::Crash() {
  {
    std::lock_guard lock(mu_);
    model_.clear();
  }
  listener_->Close();
}

std::string FakeVllm::served_model() const {
  std::lock_guard lock(mu_);
  return model_;
}

void FakeVllm::SetVersion(std::string version) {
  std::lock_guard lock(mu_);
  version_ = std::move(version);
}

std::string FakeVllm::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

// Simulates a chat load of ~0.6 requests/s with occasional bursts.
void FakeVllm::AdvanceLocked() {
  const SteadyTime now = clock_.Now();
  const double dt = std::min(60.0, Seconds(now - last_advance_));
  last_advance_ = now;
  if (model_.empty() || dt <= 0) return;
  const double t = Seconds(now.time_since_epoch());
  const double rate = 0.6 * (1.0 + 0.8 * std::sin(t / 45.0)) + 0.05;
  std::poisson_distribution<int> arrivals(rate * dt);
  std::lognormal_distribution<double> prompt_len(6.5, 0.8), output_len(5.3, 0.6);
  std::gamma_distribution<double> ttft(2.0, 0.06), itl(6.0, 0.0035), queue(1.2, 0.02);
  const int n = arrivals(rng_);
  for (int i = 0; i < n; ++i) {
    const double prompt = std::round(prompt_len(rng_));
    const double output = std::max(1.0, std::round(output_len(rng_)));
    const double first = ttft(rng_) * (1 + prompt / 4000.0);
    const double per_token = itl(rng_);
    const double wait = queue(rng_);
    prompt_tokens_ += prompt;
    generation_tokens_ += output;
    prefix_queries_ += prompt;
    prefix_hits_ += std::round(prompt * 0.35);
    requests_ok_ += 1;
    ttft_.Observe(first);
    for (int k = 0; k < 8; ++k) itl_.Observe(itl(rng_));
    queue_.Observe(wait);
    e2e_.Observe(wait + first + per_token * output);
  }
  std::uniform_real_distribution<double> jitter(-0.5, 0.5);
  running_ = std::max(0.0, std::round(rate * 4 + jitter(rng_) * 3));
  waiting_ = running_ > 5 ? std::round(running_ - 5) : 0;
  kv_usage_ = std::clamp(0.08 + running_ * 0.05 + jitter(rng_) * 0.02, 0.0, 1.0);
}

std::string FakeVllm::RenderMetrics() {
  std::lock_guard lock(mu_);
  AdvanceLocked();
  Families families;
  if (!model_.empty()) {
    const Labels labels = {{"engine", "0"}, {"model_name", model_}};
    auto gauge = [&](const char* name, const char* help, double v) {
      auto f = MakeFamily(name, help, MetricType::Gauge);
      AddGauge(f, labels, v);
      families.push_back(std::move(f));
    };
    auto counter = [&](const char* name, const char* help, double v) {
      auto f = MakeFamily(name, help, MetricType::Counter);
      AddCounter(f, labels, v);
      families.push_back(std::move(f));
    };
    auto histogram = [&](const char* name, const char* help, const HistogramData& h) {
      auto f = MakeFamily(name, help, MetricType::Histogram);
      AddHistogram(f, labels, h);
      families.push_back(std::move(f));
    };
    gauge("vllm:num_requests_running", "Number of requests in model execution batches.", running_);
    gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", waiting_);
    gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", kv_usage_);
    counter("vllm:prefix_cache_queries_total",
            "Prefix cache queries, in terms of number of queried tokens.", prefix_queries_);
    counter("vllm:prefix_cache_hits_total",
            "Prefix cache hits, in terms of number of cached tokens.", prefix_hits_);
    counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", prompt_tokens_);
    counter("vllm:generation_tokens_total", "Number of generation tokens processed.",
            generation_tokens_);
    auto success = MakeFamily("vllm:request_success_total",
                              "Count of successfully processed requests.", MetricType::Counter);
    Labels stop = labels;
    stop.push_back({"finished_reason", "stop"});
    AddCounter(success, stop, requests_ok_);
    families.push_back(std::move(success));
    histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
              ttft_);
    histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.",
              itl_);
    histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
              e2e_);
    histogram("vllm:request_queue_time_seconds",
              "Histogram of time spent in WAITING phase for request.", queue_);
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace spark
