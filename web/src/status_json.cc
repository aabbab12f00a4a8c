#include "web/status_json.h"

#include "controller/config_schema.h"
#include "exporter/time_format.h"
#include "web/open_webui_link.h"

namespace spark {
namespace {

using json = nlohmann::json;

json OptionalTime(const std::optional<WallTime>& t) { return t ? json(FormatRfc3339(*t)) : json(); }

json ServiceJson(const ServiceState& s) {
  json history = json::array();
  for (const ProbeSample& sample : s.history) {
    history.push_back({{"ts", FormatRfc3339(sample.ts)}, {"ok", sample.ok}, {"ms", sample.ms}});
  }
  json out = {{"kind", s.target.kind},
              {"up", s.up ? json(*s.up) : json()},
              {"reason", s.up && !*s.up ? json(FailureReasonName(s.reason)) : json()},
              {"error", s.up && !*s.up && !s.error.empty() ? json(s.error) : json()},
              {"latency_ms", s.up ? json(s.latency_ms) : json()},
              {"last_change", OptionalTime(s.last_change)},
              {"base_url", s.target.configured() ? json(s.target.BaseUrl()) : json()},
              {"history", std::move(history)}};
  return out;
}

json RecoveriesJson(const std::map<std::string, RecoveryStatus>& recovery) {
  json out = json::object();
  for (const auto& [service, status] : recovery) out[service] = RecoveryJson(status);
  return out;
}

}  // namespace

json RecoveryJson(const RecoveryStatus& status) {
  return {{"state", std::string(RecoveryStateName(status.state))},
          {"attempts", status.attempts},
          {"next_at", OptionalTime(status.next_at)},
          {"last_reason", status.last_reason.empty() ? json() : json(status.last_reason)},
          {"job", status.job ? json(*status.job) : json()}};
}

json EndpointsJson(const Snapshot& snapshot, const Config& config) {
  json out = json::object();
  for (const auto& [name, s] : snapshot.services) {
    const bool ready = s.up.value_or(false);
    json entry = {{"ready", ready}};
    if (name == "vllm") {
      entry["base_url"] = s.target.configured() ? json(s.target.BaseUrl() + "/v1") : json();
      if (ready && s.model) entry["model"] = *s.model;
      entry["openai_compat"] = true;
      if (config.open_webui.url) {
        entry["open_webui_url"] =
            OpenWebUiLink(*config.open_webui.url, ready ? s.model : std::nullopt);
      }
    } else {
      entry["base_url"] = s.target.configured() ? json(s.target.BaseUrl()) : json();
      entry["kind"] = s.target.kind;
      if (!s.target.configured_model.empty()) entry["model"] = s.target.configured_model;
    }
    out[name] = std::move(entry);
  }
  return out;
}

json StatusJson(const Snapshot& snapshot, const Config& config,
                const std::vector<std::string>& warnings, const ControlView& control) {
  json services = json::object();
  json model;  // null until vLLM reports a model
  for (const auto& [name, s] : snapshot.services) {
    services[name] = ServiceJson(s);
    if (name == "vllm" && s.up.value_or(false) && s.model) {
      model = {{"id", control.model_id ? json(*control.model_id) : json()},
               {"served_name", *s.model},
               {"since", OptionalTime(s.last_change)},
               {"tokens_per_second", nullptr},
               {"requests", nullptr}};
    }
  }
  json sparks = json::object();
  for (const auto& [name, spark] : config.sparks) {
    json entry = {{"host", spark.host ? json(*spark.host) : json()},
                  {"ssh_up", nullptr},
                  {"ssh_error", nullptr}};
    if (const auto it = control.ssh.find(name); it != control.ssh.end() && it->second.up) {
      entry["ssh_up"] = *it->second.up;
      if (!*it->second.up) {
        entry["ssh_error"] = {{"code", it->second.code}, {"message", it->second.message}};
        if (!it->second.fingerprint.empty()) {
          entry["ssh_error"]["fingerprint"] = it->second.fingerprint;
        }
      }
    }
    sparks[name] = std::move(entry);
  }
  json jobs = json::array();
  for (const auto& job : control.running_jobs) jobs.push_back(EncodeJob(job));
  return {{"cluster", config.cluster},
          {"model", std::move(model)},
          {"services", std::move(services)},
          {"sparks", std::move(sparks)},
          {"jobs", std::move(jobs)},
          {"update", control.update},
          {"recovery", RecoveriesJson(control.recovery)},
          {"auth_required", config.auth.token.has_value()},
          {"warnings", warnings}};
}

std::string EventsJson(const std::vector<ConnectivityEvent>& events, uint64_t next) {
  std::string out = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out += ',';
    out += EncodeEvent(events[i]);
  }
  out += "],\"next\":" + std::to_string(next) + "}";
  return out;
}

}  // namespace spark
