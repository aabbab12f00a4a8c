// Config <-> JSON trees: decoding section by section with the key-tracking ObjectReader,
// then the rules across keys (config_rules.h); encoding for GET /api/config and the files.
#include "controller/config_schema.h"

#include <nlohmann/json.hpp>
#include <string>

#include "cluster_keys.h"
#include "config_reader.h"
#include "config_rules.h"

namespace spark {
namespace {

using json = nlohmann::json;

// update.check_interval_s: 0, or from a minute to 30 days.
constexpr double kMinCheckInterval = 60;
constexpr double kMaxCheckInterval = 30 * 86400;

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
  r.Integer("max_clusters", l.max_clusters, 0, 64);
}

void DecodeSettings(ObjectReader& root, Status& status, Config& c) {
  Section(root, "ssh", status, [&](ObjectReader& r) { r.OptString("key_path", c.ssh.key_path); });
  Section(root, "probe", status, [&](ObjectReader& r) {
    r.Number("interval_s", c.probe.interval_s, 0.05, 3600);
    r.Number("timeout_s", c.probe.timeout_s, 0.01, 3600);
    r.Bool("watch_connections", c.probe.watch_connections);
  });
  Section(root, "swap", status, [&](ObjectReader& r) {
    r.Number("timeout_s", c.swap.timeout_s, 1, 86400);
    r.Number("silent_log_s", c.swap.silent_log_s, 1, 86400);
  });
  Section(root, "diarization", status, [&](ObjectReader& r) {
    r.Number("uncertain_below", c.diarization.uncertain_below, 0, 1);
  });
  Section(root, "update", status, [&](ObjectReader& r) {
    r.Number("check_interval_s", c.update.check_interval_s, 0, kMaxCheckInterval);
    if (c.update.check_interval_s > 0 && c.update.check_interval_s < kMinCheckInterval) {
      r.Fail(r.Path("check_interval_s"),
             "expected 0 (check only when asked) or a number from 60 to 2592000");
    }
  });
  Section(root, "events", status, [&](ObjectReader& r) {
    r.Integer("max_bytes", c.events.max_bytes, 1LL << 20, 1LL << 40);
  });
  Section(root, "recovery", status, [&](ObjectReader& r) {
    r.Bool("enabled", c.recovery.enabled);
    r.NumberList("backoff_s", c.recovery.backoff_s, 1, 10, 0, 86400);
    r.Integer("max_failures", c.recovery.max_failures, 1, 100);
    r.Number("window_s", c.recovery.window_s, 60, 604800);
    r.Number("hung_s", c.recovery.hung_s, 10, 86400);
  });
  Section(root, "catalog", status, [&](ObjectReader& r) { r.OptString("path", c.catalog.path); });
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

}  // namespace

Result<Config> DecodeConfig(const json& tree) {
  Config c;
  Status status = Status::Ok();
  ObjectReader root(tree, "", status);
  DecodeClusterName(root, "cluster", c.cluster);
  ClusterConfig cluster = ClusterKeysOf(c);
  DecodeClusterKeys(root, status, cluster);
  SetClusterKeys(c, cluster);
  DecodeSettings(root, status, c);
  DecodeClusterList(root, status, c.limits.max_clusters, c.clusters);
  root.Finish();
  if (!status.ok()) return status;
  if (Status rules = CheckConfigRules(c); !rules.ok()) return rules;
  return c;
}

json EncodeConfig(const Config& c, bool redact) {
  json t;
  t["cluster"] = c.cluster;
  EncodeClusterKeys(ClusterKeysOf(c), redact, t);
  t["ssh"] = {{"key_path", OptionalJson(c.ssh.key_path)}};
  t["probe"] = {{"interval_s", c.probe.interval_s},
                {"timeout_s", c.probe.timeout_s},
                {"watch_connections", c.probe.watch_connections}};
  t["swap"] = {{"timeout_s", c.swap.timeout_s}, {"silent_log_s", c.swap.silent_log_s}};
  t["diarization"] = {{"uncertain_below", c.diarization.uncertain_below}};
  t["update"] = {{"check_interval_s", c.update.check_interval_s}};
  t["events"] = {{"max_bytes", c.events.max_bytes}};
  t["recovery"] = {{"enabled", c.recovery.enabled},
                   {"backoff_s", c.recovery.backoff_s},
                   {"max_failures", c.recovery.max_failures},
                   {"window_s", c.recovery.window_s},
                   {"hung_s", c.recovery.hung_s}};
  t["catalog"] = {{"path", OptionalJson(c.catalog.path)}};
  if (redact) {
    t["auth"] = {{"token_set", c.auth.token.has_value()},
                 {"report_token_set", c.auth.report_token.has_value()}};
  } else {
    t["auth"] = {{"token", OptionalJson(c.auth.token)},
                 {"report_token", OptionalJson(c.auth.report_token)}};
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
                 {"max_services", l.max_services},
                 {"max_clusters", l.max_clusters}};
  t["clusters"] = EncodeClusterList(c.clusters, redact);
  return t;
}

}  // namespace spark
