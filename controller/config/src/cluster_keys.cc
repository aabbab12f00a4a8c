// The keys of one cluster and the `clusters` list (cluster_keys.h).
#include "cluster_keys.h"

#include <map>
#include <string>

#include "controller/config_schema.h"

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
void DecodeEntries(ObjectReader& parent, std::string_view key, Status& status,
                   std::map<std::string, Entry>& out, const char* bad_name, bool stop_on_bad_name,
                   bool (*valid_name)(const std::string&), Fill fill) {
  const json* entries = parent.Get(key);
  if (entries == nullptr || !status.ok()) return;
  ObjectReader r(*entries, parent.Path(key), status);
  if (!status.ok()) return;
  for (const auto& [name, value] : entries->items()) {
    if (value.is_null()) {
      out.erase(name);
      continue;
    }
    const std::string path = r.Path(name);
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

// `names` of the built-in entries that `entries` lacks, as nulls in `tree`.
template <typename Entry>
void EncodeRemovedBuiltIns(const std::map<std::string, Entry>& built_in,
                           const std::map<std::string, Entry>& entries, json& tree) {
  for (const auto& [name, unused] : built_in) {
    if (!entries.count(name)) tree[name] = nullptr;
  }
}

json EncodeService(const ServiceConfig& s) {
  return {{"kind", s.kind},
          {"spark", s.spark},
          {"host", OptionalJson(s.host)},
          {"port", s.port},
          {"health_path", s.health_path},
          {"container", s.container},
          {"model", OptionalJson(s.model)},
          {"cache_dir", OptionalJson(s.cache_dir)}};
}

std::string MaskedIf(bool redact, const std::string& url) {
  return redact ? MaskUrlCredentials(url) : url;
}

}  // namespace

json OptionalJson(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

void DecodeClusterName(ObjectReader& r, std::string_view key, std::string& out) {
  r.String(key, out);
  if (!IsConfigName(out)) {
    r.Fail(r.Path(key), "expected a short lowercase name ([a-z][a-z0-9_-]*)");
  }
}

void DecodeClusterKeys(ObjectReader& r, Status& status, ClusterConfig& c) {
  DecodeEntries(
      r, "sparks", status, c.sparks, "invalid Spark name", false, &ValidSparkName,
      [](const std::string&, ObjectReader& s, SparkConfig& spark) { DecodeSpark(s, spark); });
  Section(r, "vllm", status, [&](ObjectReader& v) {
    v.String("spark", c.vllm.spark);
    v.OptHost("host", c.vllm.host);
    v.Integer("port", c.vllm.port, 1, 65535);
  });
  DecodeEntries(r, "services", status, c.services, "invalid service name (lowercase, not 'vllm')",
                true, &ValidServiceName,
                [](const std::string& name, ObjectReader& s, ServiceConfig& service) {
                  if (service.container.empty()) service.container = name;
                  DecodeService(s, service);
                });
  Section(r, "remote", status, [&](ObjectReader& v) {
    v.String("vllm_docker_dir", c.remote.vllm_docker_dir);
    v.String("vllm_container", c.remote.vllm_container);
    v.String("hf_endpoint", c.remote.hf_endpoint);
    v.String("hf_home", c.remote.hf_home);
  });
  Section(r, "open_webui", status, [&](ObjectReader& v) { v.OptString("url", c.open_webui.url); });
}

void EncodeClusterKeys(const ClusterConfig& c, bool redact, json& t) {
  t["sparks"] = json::object();
  for (const auto& [name, s] : c.sparks) {
    t["sparks"][name] = {
        {"host", OptionalJson(s.host)}, {"user", OptionalJson(s.user)}, {"port", s.port}};
  }
  EncodeRemovedBuiltIns(DefaultSparks(), c.sparks, t["sparks"]);
  t["vllm"] = {{"spark", c.vllm.spark}, {"host", OptionalJson(c.vllm.host)}, {"port", c.vllm.port}};
  t["services"] = json::object();
  for (const auto& [name, s] : c.services) t["services"][name] = EncodeService(s);
  EncodeRemovedBuiltIns(DefaultServices(), c.services, t["services"]);
  t["remote"] = {{"vllm_docker_dir", c.remote.vllm_docker_dir},
                 {"vllm_container", c.remote.vllm_container},
                 {"hf_endpoint", MaskedIf(redact, c.remote.hf_endpoint)},
                 {"hf_home", c.remote.hf_home}};
  t["open_webui"] = {
      {"url", c.open_webui.url ? json(MaskedIf(redact, *c.open_webui.url)) : json(nullptr)}};
}

void DecodeClusterList(ObjectReader& root, Status& status, int max_clusters,
                       std::vector<ClusterConfig>& out) {
  const json* list = root.Get("clusters");
  if (list == nullptr || !status.ok()) return;
  if (list->is_null()) {
    out.clear();
    return;
  }
  if (!list->is_array()) {
    return root.Fail("clusters",
                     "expected a list of clusters, each {name, sparks, vllm, "
                     "services, remote, open_webui}");
  }
  if (list->size() > static_cast<size_t>(max_clusters)) {
    return root.Fail("clusters", "more entries (" + std::to_string(list->size()) +
                                     ") than limits.max_clusters (" + std::to_string(max_clusters) +
                                     ")");
  }
  std::vector<ClusterConfig> entries(list->size());
  for (size_t i = 0; i < entries.size() && status.ok(); ++i) {
    ObjectReader r((*list)[i], "clusters[" + std::to_string(i) + "]", status);
    if (status.ok() && r.Get("name") == nullptr) r.Fail(r.Path("name"), "is required");
    DecodeClusterName(r, "name", entries[i].name);
    DecodeClusterKeys(r, status, entries[i]);
    r.Finish();
  }
  if (status.ok()) out = std::move(entries);
}

json EncodeClusterList(const std::vector<ClusterConfig>& clusters, bool redact) {
  json list = json::array();
  for (const ClusterConfig& c : clusters) {
    json entry = {{"name", c.name}};
    EncodeClusterKeys(c, redact, entry);
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace spark
