// Config <-> JSON trees: decoding section by section with the key-tracking ObjectReader,
// then the rules across keys (config_rules.h); encoding for GET /api/config and the files.
#include "controller/config_schema.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "config_reader.h"
#include "config_rules.h"

namespace spark {
namespace {

using json = nlohmann::json;

void DecodeSpark(ObjectReader& s, SparkConfig& spark) {
  s.OptHost("host", spark.host);
  s.OptString("user", spark.user);
  s.Integer("port", spark.port, 1, 65535);
}

void DecodeService(ObjectReader& r, ServiceConfig& s) {
  r.String("kind", s.kind);
  r.String("spark", s.spark);
  r.OptHost("host", s.host);
  r.Integer("port", s.port, 1, 65535);
  r.String("health_path", s.health_path);
  r.String("container", s.container);
  r.OptString("model", s.model);
  r.OptString("cache_dir", s.cache_dir);
}

// Decodes the named entries of a map section (`sparks`, `services`) over the ones already in
// `out`: null deletes an entry, anything else decodes into it through `fill`. A name that
// fails `valid_name` is reported as `bad_name`; `stop_on_bad_name` ends the walk there.
template <typename Entry, typename Fill>
void DecodeEntries(ObjectReader& root, std::string_view key, Status& status,
                   std::map<std::string, Entry>& out, const char* bad_name, bool stop_on_bad_name,
                   bool (*valid_name)(const std::string&), Fill fill) {
  const json* entries = root.Get(key);
  if (entries == nullptr || !status.ok()) return;
  ObjectReader r(*entries, std::string(key), status);
  if (!status.ok()) return;
  for (const auto& [name, value] : entries->items()) {
    if (value.is_null()) {
      out.erase(name);
      continue;
    }
    const std::string path = std::string(key) + "." + name;
    if (!valid_name(name)) {
      r.Fail(path, bad_name);
      if (stop_on_bad_name) break;
    }
    Entry entry = out.count(name) ? out[name] : Entry{};
    ObjectReader s(value, path, status);
    fill(name, s, entry);
    s.Finish();
    out[name] = entry;
  }
}

bool ValidSparkName(const std::string& name) { return IsConfigName(name); }
bool ValidServiceName(const std::string& name) { return IsConfigName(name) && name != "vllm"; }

void DecodeMaps(ObjectReader& root, Status& status, Config& c) {
  DecodeEntries(
      root, "sparks", status, c.sparks, "invalid Spark name", false, &ValidSparkName,
      [](const std::string&, ObjectReader& s, SparkConfig& spark) { DecodeSpark(s, spark); });
  Section(root, "vllm", status, [&](ObjectReader& r) {
    r.String("spark", c.vllm.spark);
    r.OptHost("host", c.vllm.host);
    r.Integer("port", c.vllm.port, 1, 65535);
  });
  DecodeEntries(root, "services", status, c.services,
                "invalid service name (lowercase, not 'vllm')", true, &ValidServiceName,
                [](const std::string& name, ObjectReader& s, ServiceConfig& service) {
                  if (service.container.empty()) service.container = name;
                  DecodeService(s, service);
                });
}

void DecodeLimits(ObjectReader& r, LimitsConfig& l) {
  r.Number("report_rate_per_client", l.report_rate_per_client, 0, 1e9);
  r.Number("report_burst", l.report_burst, 1, 1e9);
  r.Integer("max_body_bytes", l.max_body_bytes, 1024, 1LL << 30);
  r.Integer("max_diarization_body_bytes", l.max_diarization_body_bytes, 1024, 1LL << 32);
  r.Integer("max_diarization_cells", l.max_diarization_cells, 1, 1LL << 32);
  r.Integer("max_sse_clients", l.max_sse_clients, 1, 4096);
  r.Integer("max_string_bytes", l.max_string_bytes, 16, 1 << 20);
  r.Integer("max_source_bytes", l.max_source_bytes, 8, 4096);
  r.Integer("max_sparks", l.max_sparks, 1, 64);
  r.Integer("max_services", l.max_services, 0, 256);
}

void DecodeSettings(ObjectReader& root, Status& status, Config& c) {
  Section(root, "ssh", status, [&](ObjectReader& r) { r.OptString("key_path", c.ssh.key_path); });
  Section(root, "remote", status, [&](ObjectReader& r) {
    r.String("vllm_docker_dir", c.remote.vllm_docker_dir);
    r.String("vllm_container", c.remote.vllm_container);
    r.String("hf_endpoint", c.remote.hf_endpoint);
  });
  Section(root, "probe", status, [&](ObjectReader& r) {
    r.Number("interval_s", c.probe.interval_s, 0.05, 3600);
    r.Number("timeout_s", c.probe.timeout_s, 0.01, 3600);
  });
  Section(root, "swap", status, [&](ObjectReader& r) {
    r.Number("timeout_s", c.swap.timeout_s, 1, 86400);
    r.Number("silent_log_s", c.swap.silent_log_s, 1, 86400);
  });
  Section(root, "diarization", status, [&](ObjectReader& r) {
    r.Number("uncertain_below", c.diarization.uncertain_below, 0, 1);
  });
  Section(root, "catalog", status, [&](ObjectReader& r) { r.OptString("path", c.catalog.path); });
  Section(root, "open_webui", status,
          [&](ObjectReader& r) { r.OptString("url", c.open_webui.url); });
  Section(root, "auth", status, [&](ObjectReader& r) {
    r.OptString("token", c.auth.token);
    r.OptString("report_token", c.auth.report_token);
  });
  Section(root, "http", status, [&](ObjectReader& r) {
    r.StringList("allowed_origins", c.http.allowed_origins);
    r.StringList("allowed_hosts", c.http.allowed_hosts);
    r.StringList("trusted_proxies", c.http.trusted_proxies);
  });
  Section(root, "limits", status, [&](ObjectReader& r) { DecodeLimits(r, c.limits); });
  Section(root, "security", status, [&](ObjectReader& r) {
    r.Bool("allow_trust_remote_code", c.security.allow_trust_remote_code);
  });
}

json OptJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

Result<Config> DecodeConfig(const json& tree) {
  Config c;
  Status status = Status::Ok();
  ObjectReader root(tree, "", status);
  root.String("cluster", c.cluster);
  if (status.ok() && !IsConfigName(c.cluster)) {
    root.Fail("cluster", "expected a short lowercase name ([a-z][a-z0-9_-]*)");
  }
  DecodeMaps(root, status, c);
  DecodeSettings(root, status, c);
  root.Finish();
  if (!status.ok()) return status;
  if (Status rules = CheckConfigRules(c); !rules.ok()) return rules;
  return c;
}

json EncodeConfig(const Config& c, bool redact) {
  json t;
  t["cluster"] = c.cluster;
  for (const auto& [name, s] : c.sparks) {
    t["sparks"][name] = {{"host", OptJson(s.host)}, {"user", OptJson(s.user)}, {"port", s.port}};
  }
  t["vllm"] = {{"spark", c.vllm.spark}, {"host", OptJson(c.vllm.host)}, {"port", c.vllm.port}};
  t["services"] = json::object();
  for (const auto& [name, s] : c.services) {
    t["services"][name] = {{"kind", s.kind},
                           {"spark", s.spark},
                           {"host", OptJson(s.host)},
                           {"port", s.port},
                           {"health_path", s.health_path},
                           {"container", s.container},
                           {"model", OptJson(s.model)},
                           {"cache_dir", OptJson(s.cache_dir)}};
  }
  t["ssh"] = {{"key_path", OptJson(c.ssh.key_path)}};
  t["remote"] = {
      {"vllm_docker_dir", c.remote.vllm_docker_dir},
      {"vllm_container", c.remote.vllm_container},
      {"hf_endpoint", redact ? MaskUrlCredentials(c.remote.hf_endpoint) : c.remote.hf_endpoint}};
  t["probe"] = {{"interval_s", c.probe.interval_s}, {"timeout_s", c.probe.timeout_s}};
  t["swap"] = {{"timeout_s", c.swap.timeout_s}, {"silent_log_s", c.swap.silent_log_s}};
  t["diarization"] = {{"uncertain_below", c.diarization.uncertain_below}};
  t["catalog"] = {{"path", OptJson(c.catalog.path)}};
  t["open_webui"] = {{"url", redact && c.open_webui.url
                                 ? json(MaskUrlCredentials(*c.open_webui.url))
                                 : OptJson(c.open_webui.url)}};
  if (redact) {
    t["auth"] = {{"token_set", c.auth.token.has_value()},
                 {"report_token_set", c.auth.report_token.has_value()}};
  } else {
    t["auth"] = {{"token", OptJson(c.auth.token)}, {"report_token", OptJson(c.auth.report_token)}};
  }
  t["http"] = {{"allowed_origins", c.http.allowed_origins},
               {"allowed_hosts", c.http.allowed_hosts},
               {"trusted_proxies", c.http.trusted_proxies}};
  t["security"] = {{"allow_trust_remote_code", c.security.allow_trust_remote_code}};
  const LimitsConfig& l = c.limits;
  t["limits"] = {{"report_rate_per_client", l.report_rate_per_client},
                 {"report_burst", l.report_burst},
                 {"max_body_bytes", l.max_body_bytes},
                 {"max_diarization_body_bytes", l.max_diarization_body_bytes},
                 {"max_diarization_cells", l.max_diarization_cells},
                 {"max_sse_clients", l.max_sse_clients},
                 {"max_string_bytes", l.max_string_bytes},
                 {"max_source_bytes", l.max_source_bytes},
                 {"max_sparks", l.max_sparks},
                 {"max_services", l.max_services}};
  return t;
}

}  // namespace spark
