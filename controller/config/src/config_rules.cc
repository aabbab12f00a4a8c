// The rules a decoded config must keep beyond its types (config_rules.h), and the checks and
// warnings the store applies around it (config_schema.h).
#include "config_rules.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/config_schema.h"
#include "controller/remote_names.h"

namespace spark {
namespace {

void FailRule(Status& status, const std::string& field, const std::string& message) {
  if (status.ok()) status = Status::Error(ErrorCode::kInvalidField, field + ": " + message, field);
}

// The rules of one cluster's keys; `prefix` is "" for the default cluster, "clusters[N]." for
// an entry of `clusters`.
void CheckReferences(const Config& c, const std::string& prefix, Status& status) {
  if (!status.ok()) return;
  auto fail = [&](const std::string& field, const std::string& message) {
    FailRule(status, prefix + field, message);
  };
  if (!c.sparks.count(c.vllm.spark)) return fail("vllm.spark", "names no Spark in `sparks`");
  for (const auto& [name, s] : c.services) {
    const std::string path = "services." + name;
    if (s.kind != "stt" && s.kind != "tts") return fail(path + ".kind", "expected stt or tts");
    if (!c.sparks.count(s.spark)) return fail(path + ".spark", "names no Spark in `sparks`");
    if (s.port == 0) return fail(path + ".port", "is required for an added service");
    if (s.health_path.empty() || s.health_path.front() != '/') {
      return fail(path + ".health_path", "must start with /");
    }
    if (s.container.empty()) return fail(path + ".container", "must not be empty");
  }
}

// Every name and directory that reaches a remote command line is allow-listed: upstream's
// scripts put some of them unquoted into remote shells (PITFALLS.md "Remote shell commands").
void CheckRemoteNames(const Config& c, const std::string& prefix, Status& status) {
  auto check = [&](const std::string& field, const Status& rule) {
    if (!rule.ok()) FailRule(status, prefix + field, rule.message());
  };
  check("remote.vllm_container", ValidateContainerName(c.remote.vllm_container));
  check("remote.vllm_docker_dir", ValidateRemoteDir(c.remote.vllm_docker_dir));
  check("remote.hf_home", ValidateRemoteDir(c.remote.hf_home));
  check("remote.hf_endpoint", ValidateHubEndpoint(c.remote.hf_endpoint));
  for (const auto& [name, s] : c.services) {
    check("services." + name + ".container", ValidateContainerName(s.container));
    if (s.cache_dir) check("services." + name + ".cache_dir", ValidateChownDir(*s.cache_dir));
  }
}

// The maps that cost a thread per entry are capped per cluster.
void CheckCaps(const Config& c, const std::string& prefix, Status& status) {
  auto check = [&](const char* field, size_t count, int cap, const char* what,
                   const char* cap_key) {
    if (count <= static_cast<size_t>(cap)) return;
    FailRule(status, prefix + field,
             "at most " + std::to_string(cap) + " " + what + " per cluster (" + cap_key +
                 "); this config has " + std::to_string(count));
  };
  check("sparks", c.sparks.size(), c.limits.max_sparks, "Sparks", "limits.max_sparks");
  check("services", c.services.size(), c.limits.max_services, "services", "limits.max_services");
}

// Every cluster has its own name: the default one (`cluster`) and each entry of `clusters`.
void CheckClusterNames(const Config& c, Status& status) {
  std::map<std::string, std::string> owners = {{c.cluster, "the default cluster (`cluster`)"}};
  for (size_t i = 0; i < c.clusters.size(); ++i) {
    const std::string entry = "clusters[" + std::to_string(i) + "]";
    const auto [owner, added] = owners.emplace(c.clusters[i].name, entry);
    if (!added) {
      return FailRule(status, entry + ".name",
                      "'" + c.clusters[i].name + "' is already the name of " + owner->second);
    }
  }
}

std::string ClusterPrefix(size_t index) {
  return index == 0 ? "" : "clusters[" + std::to_string(index - 1) + "].";
}

}  // namespace

Status CheckConfigRules(const Config& config) {
  Status status = Status::Ok();
  CheckClusterNames(config, status);
  const std::vector<Config> views = ClusterConfigs(config);
  for (size_t i = 0; i < views.size() && status.ok(); ++i) {
    CheckCaps(views[i], ClusterPrefix(i), status);
    CheckReferences(views[i], ClusterPrefix(i), status);
    if (i == 0 && config.probe.timeout_s >= config.probe.interval_s) {
      FailRule(status, "probe.timeout_s", "must be shorter than probe.interval_s");
    }
    CheckRemoteNames(views[i], ClusterPrefix(i), status);
  }
  return status;
}

Status CheckOverlayTree(const nlohmann::json& overlay) {
  if (overlay.is_object() && overlay.contains("security")) {
    return Status::Error(ErrorCode::kPinned,
                         "security.allow_trust_remote_code can be set only in the operator config "
                         "file (--config), never through the API",
                         "security.allow_trust_remote_code");
  }
  return Status::Ok();
}

std::vector<std::string> ConfigWarnings(const Config& c) {
  std::vector<std::string> warnings;
  auto check = [&warnings](const std::string& field, const std::optional<std::string>& host) {
    if (host && host->size() > 6 && host->compare(host->size() - 6, 6, ".local") == 0) {
      warnings.push_back(
          field + ": '" + *host +
          "' is an mDNS name; mDNS often answers IPv6 first while vLLM listens on "
          "IPv4. spark-control resolves IPv4 only, but an IP address is more reliable.");
    }
  };
  const std::vector<Config> views = ClusterConfigs(c);
  for (size_t i = 0; i < views.size(); ++i) {
    const std::string prefix = ClusterPrefix(i);
    for (const auto& [name, s] : views[i].sparks) {
      check(prefix + "sparks." + name + ".host", s.host);
    }
    check(prefix + "vllm.host", views[i].vllm.host);
    for (const auto& [name, s] : views[i].services) {
      check(prefix + "services." + name + ".host", s.host);
    }
  }
  return warnings;
}

}  // namespace spark
