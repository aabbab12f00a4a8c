#include "controller/config.h"

#include "exporter/poller.h"

namespace spark {

std::map<std::string, SparkConfig> DefaultSparks() { return {{"spark1", {}}, {"spark2", {}}}; }

std::map<std::string, ServiceConfig> DefaultServices() {
  return {
      {"parakeet",
       {"stt", "spark2", std::nullopt, 8000, "/health", "parakeet", "nvidia/parakeet-tdt-0.6b-v3",
        std::nullopt}},
      {"magpie",
       {"tts", "spark2", std::nullopt, 9000, "/health", "magpie", std::nullopt, std::nullopt}},
  };
}

std::vector<Config> ClusterConfigs(const Config& root) {
  std::vector<Config> all;
  all.reserve(root.clusters.size() + 1);
  all.push_back(root);
  all.front().clusters.clear();
  for (const ClusterConfig& entry : root.clusters) {
    Config view = all.front();
    SetClusterKeys(view, entry);
    all.push_back(std::move(view));
  }
  return all;
}

ClusterConfig ClusterKeysOf(const Config& config) {
  return {config.cluster,  config.sparks, config.vllm,
          config.services, config.remote, config.open_webui};
}

void SetClusterKeys(Config& config, const ClusterConfig& entry) {
  config.cluster = entry.name;
  config.sparks = entry.sparks;
  config.vllm = entry.vllm;
  config.services = entry.services;
  config.remote = entry.remote;
  config.open_webui = entry.open_webui;
}

std::optional<std::string> Config::VllmHttpHost() const {
  if (vllm.host) return vllm.host;
  const auto spark = sparks.find(vllm.spark);
  return spark == sparks.end() ? std::nullopt : spark->second.host;
}

std::optional<std::string> Config::ServiceHttpHost(const ServiceConfig& service) const {
  if (service.host) return service.host;
  const auto spark = sparks.find(service.spark);
  return spark == sparks.end() ? std::nullopt : spark->second.host;
}

std::vector<ProbeTarget> ProbeTargetsFor(const Config& config) {
  std::vector<ProbeTarget> targets;
  ProbeTarget vllm;
  vllm.service = "vllm";
  vllm.kind = "llm";
  vllm.host = config.VllmHttpHost().value_or("");
  vllm.port = config.vllm.port;
  targets.push_back(vllm);
  for (const auto& [name, service] : config.services) {
    ProbeTarget t;
    t.service = name;
    t.kind = service.kind;
    t.host = config.ServiceHttpHost(service).value_or("");
    t.port = service.port;
    t.health_path = service.health_path;
    t.configured_model = service.model.value_or("");
    targets.push_back(t);
  }
  return targets;
}

PollerOptions PollerOptionsFor(const Config& config) {
  PollerOptions options;
  options.interval = FromSeconds(config.probe.interval_s);
  options.timeout = FromSeconds(config.probe.timeout_s);
  options.watch_connections = config.probe.watch_connections;
  options.cluster = config.cluster;
  return options;
}

std::vector<std::string> ServiceNames(const Config& config) {
  std::vector<std::string> names = {"vllm"};
  for (const auto& [name, service] : config.services) names.push_back(name);
  return names;
}

std::vector<std::string> ConfiguredSparks(const Config& config) {
  std::vector<std::string> names;
  for (const auto& [name, spark] : config.sparks) {
    if (spark.host) names.push_back(name);
  }
  return names;
}

}  // namespace spark
