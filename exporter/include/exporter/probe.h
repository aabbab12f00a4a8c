#pragma once
// Probers: one per service kind, all with the same signature, listed in one table
// (prober_table.cc). A failed probe is data (ok=false + reason), never an exception.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/clock.h"
#include "exporter/failure_reason.h"
#include "exporter/http_client.h"

namespace spark {

// What to probe. An empty host means the service is not configured.
struct ProbeTarget {
  std::string service;  // "vllm", "parakeet", ...
  std::string kind;     // llm, stt, tts
  std::string host;
  int port = 0;
  std::string health_path = "/health";
  std::string configured_model;  // the model a speech service's config names

  bool configured() const { return !host.empty(); }
  // "http://host:port", or empty when not configured.
  std::string BaseUrl() const;
  bool operator==(const ProbeTarget&) const = default;
};

struct ProbeResult {
  bool ok = false;
  FailureReason reason = FailureReason::kNotConfigured;  // meaningful when !ok
  std::string error;                                     // human text when !ok
  Duration elapsed{};                                    // set by the caller, from its Clock
  std::optional<std::string> model;                      // vLLM: the id /v1/models reports
};

// Runs one probe; must return within `deadline` (plus scheduling noise).
using Prober = ProbeResult (*)(HttpClient& http, const ProbeTarget& target, Duration deadline);

// vLLM: GET /v1/models, up when 200 with a JSON body listing at least one model.
ProbeResult ProbeVllm(HttpClient& http, const ProbeTarget& target, Duration deadline);
// Speech services: GET health_path, up on any 2xx.
ProbeResult ProbeHealth(HttpClient& http, const ProbeTarget& target, Duration deadline);

// Shared by the probers: GETs `path` on the target with the deadline. Returns the response,
// or nullopt after filling `result` with the failure (not configured, or no HTTP answer).
std::optional<HttpResponse> ProbeGet(HttpClient& http, const ProbeTarget& target,
                                     std::string_view path, Duration deadline,
                                     size_t max_body_bytes, ProbeResult& result);

// The prober for a service kind (llm → ProbeVllm, stt/tts → ProbeHealth); nullptr if unknown.
Prober ProberForKind(std::string_view kind);

// Pure parsers for a /v1/models body (the OpenAI list shape, {"data": [{"id": …}, …]}): every
// non-empty string id in order (empty when the body is not that shape), and the first of them.
std::vector<std::string> ParseVllmModelIds(std::string_view body);
std::optional<std::string> ParseVllmModelId(std::string_view body);

}  // namespace spark
