#pragma once
// The whole configuration schema of API.md "Configuration" as plain structs with the
// documented defaults. Parsing, layering and validation live in config_schema.h and
// config_store.h.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exporter/probe.h"

namespace spark {

struct PollerOptions;  // exporter/poller.h

struct SparkConfig {
  std::optional<std::string> host;  // unset = not configured
  std::optional<std::string> user;
  int port = 22;
};

struct VllmConfig {
  std::string spark = "spark1";     // whose SSH login runs swaps
  std::optional<std::string> host;  // HTTP host; unset = the spark's host
  int port = 8888;
};

struct ServiceConfig {
  std::string kind;  // stt or tts
  std::string spark = "spark2";
  std::optional<std::string> host;
  int port = 0;
  std::string health_path = "/health";
  std::string container;
  std::optional<std::string> model;
  std::optional<std::string> cache_dir;
};

struct RemoteConfig {
  std::string vllm_docker_dir = "~/spark-vllm-docker";
  std::string vllm_container = "vllm_node";
  std::string hf_endpoint = "https://huggingface.co";
  std::string hf_home = "~/.cache/huggingface";  // the HF cache the containers mount
};

struct OpenWebUiConfig {
  std::optional<std::string> url;  // unset = no deep link
};

// The default Sparks and services of a cluster (two Sparks, Parakeet and Magpie on Spark 2).
std::map<std::string, SparkConfig> DefaultSparks();
std::map<std::string, ServiceConfig> DefaultServices();

// One entry of `clusters:`: the keys that describe a cluster, each with the same defaults as
// the single-cluster keys of the same name.
struct ClusterConfig {
  std::string name;
  std::map<std::string, SparkConfig> sparks = DefaultSparks();
  VllmConfig vllm;
  std::map<std::string, ServiceConfig> services = DefaultServices();
  RemoteConfig remote;
  OpenWebUiConfig open_webui;
};

struct LimitsConfig {
  double report_rate_per_client = 100;  // reports per second; 0 = unlimited
  double report_burst = 200;
  long long max_body_bytes = 262144;
  long long max_diarization_body_bytes = 16777216;
  long long max_diarization_cells = 360000;
  int max_sse_clients = 64;
  long long max_string_bytes = 4096;
  long long max_source_bytes = 64;
  int max_sparks = 8;     // entries of `sparks` per cluster (a worker thread each)
  int max_services = 16;  // entries of `services` per cluster (a probe thread each)
  int max_clusters = 8;   // entries of `clusters` (the default cluster not counted)
};

struct Config {
  std::string cluster = "default";
  std::map<std::string, SparkConfig> sparks = DefaultSparks();
  VllmConfig vllm;
  std::map<std::string, ServiceConfig> services = DefaultServices();
  struct {
    std::optional<std::string> key_path;  // unset = DATA/ssh/id_ed25519
  } ssh;
  RemoteConfig remote;
  struct {
    double interval_s = 2;
    double timeout_s = 1.5;
    bool watch_connections = true;  // an idle connection per service sees a death between polls
  } probe;
  struct {
    double timeout_s = 1200;
    double silent_log_s = 300;
  } swap;
  struct {
    double uncertain_below = 0.5;
  } diarization;
  struct {
    // How often the spark-vllm-docker checkout is checked against its upstream; 0 = only at
    // start and when asked (POST /api/update/check).
    double check_interval_s = 21600;
  } update;
  struct {
    // The connectivity log's files together (events.jsonl and the rotated ones), read at start.
    long long max_bytes = 40LL << 20;
  } events;
  struct {
    // Self-healing (API.md "Recovery"): a crashed vLLM or speech container is brought back,
    // the k-th attempt within window_s waiting backoff_s[min(k-1, size-1)] after the death;
    // max_failures attempts within window_s trip a breaker. A service whose probe has failed
    // for hung_s while its container runs counts as hung. Process-wide, read each round.
    bool enabled = true;
    std::vector<double> backoff_s = {30, 120, 600};  // 1–10 entries, each 0–86400
    int max_failures = 3;                            // 1–100
    double window_s = 1800;                          // 60–604800
    double hung_s = 120;                             // 10–86400
  } recovery;
  struct {
    std::optional<std::string> path;
  } catalog;
  OpenWebUiConfig open_webui;
  struct {
    std::optional<std::string> token;
    std::optional<std::string> report_token;
  } auth;
  struct {
    std::vector<std::string> allowed_origins;
    std::vector<std::string> allowed_hosts;
    std::vector<std::string> trusted_proxies;
  } http;
  struct {
    // vLLM's --trust-remote-code. Only the operator file may set `security`: an overlay (and
    // so PUT /api/config) holding it is refused (CheckOverlayTree).
    bool allow_trust_remote_code = false;
  } security;
  LimitsConfig limits;
  // Further clusters, in order, after the one the keys above describe (named by `cluster`).
  std::vector<ClusterConfig> clusters;

  // The HTTP host of vLLM / a service: its own `host`, else its Spark's host; nullopt when
  // neither is set.
  std::optional<std::string> VllmHttpHost() const;
  std::optional<std::string> ServiceHttpHost(const ServiceConfig& service) const;
};

// Every cluster as a whole Config, the default one first: [0] is `root` itself, then one per
// `clusters` entry (the root's process-wide keys with that entry's cluster keys and `cluster`
// set to its name). `clusters` is empty in every element.
std::vector<Config> ClusterConfigs(const Config& root);
// The cluster keys of `config` as one entry named `config.cluster`, and the reverse: `config`
// with its cluster keys and `cluster` taken from `entry`.
ClusterConfig ClusterKeysOf(const Config& config);
void SetClusterKeys(Config& config, const ClusterConfig& entry);

// What the poller probes: vLLM plus every configured service, hosts resolved.
std::vector<ProbeTarget> ProbeTargetsFor(const Config& config);
// How often and how long the poller probes, and whether it watches connections between the
// polls (probe.interval_s, probe.timeout_s, probe.watch_connections).
PollerOptions PollerOptionsFor(const Config& config);
// "vllm" and every configured service, the names reports and metrics are kept for.
std::vector<std::string> ServiceNames(const Config& config);
// The Sparks that have a host (the ones SSH talks to).
std::vector<std::string> ConfiguredSparks(const Config& config);

}  // namespace spark
