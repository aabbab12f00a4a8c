// The rules a decoded config must keep beyond its types (config_rules.h), and the checks and
// warnings the store applies around it (config_schema.h).
#include "config_rules.h"

#include <nlohmann/json.hpp>
#include <string>

#include "controller/config_schema.h"
#include "controller/remote_names.h"

namespace spark {
namespace {

void CheckReferences(const Config& c, Status& status) {
  if (!status.ok()) return;
  auto fail = [&status](std::string field, std::string message) {
    status = Status::Error(ErrorCode::kInvalidField, field + ": " + message, field);
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
  if (c.probe.timeout_s >= c.probe.interval_s) {
    return fail("probe.timeout_s", "must be shorter than probe.interval_s");
  }
}

// Every name and directory that reaches a remote command line is allow-listed: upstream's
// scripts put some of them unquoted into remote shells (PITFALLS.md "Remote shell commands").
void CheckRemoteNames(const Config& c, Status& status) {
  auto check = [&status](const std::string& field, const Status& rule) {
    if (status.ok() && !rule.ok()) {
      status = Status::Error(ErrorCode::kInvalidField, field + ": " + rule.message(), field);
    }
  };
  check("remote.vllm_container", ValidateContainerName(c.remote.vllm_container));
  check("remote.vllm_docker_dir", ValidateRemoteDir(c.remote.vllm_docker_dir));
  for (const auto& [name, s] : c.services) {
    check("services." + name + ".container", ValidateContainerName(s.container));
    if (s.cache_dir) check("services." + name + ".cache_dir", ValidateChownDir(*s.cache_dir));
  }
}

// The maps that cost a thread per entry are capped (per cluster; multi-cluster comes later).
void CheckCaps(const Config& c, Status& status) {
  if (!status.ok()) return;
  auto check = [&status](const char* field, size_t count, int cap, const char* what,
                         const char* cap_key) {
    if (!status.ok() || count <= static_cast<size_t>(cap)) return;
    status = Status::Error(ErrorCode::kInvalidField,
                           std::string(field) + ": at most " + std::to_string(cap) + " " + what +
                               " per cluster (" + cap_key + "); this config has " +
                               std::to_string(count),
                           field);
  };
  check("sparks", c.sparks.size(), c.limits.max_sparks, "Sparks", "limits.max_sparks");
  check("services", c.services.size(), c.limits.max_services, "services", "limits.max_services");
}

}  // namespace

Status CheckConfigRules(const Config& config) {
  Status status = Status::Ok();
  CheckCaps(config, status);
  CheckReferences(config, status);
  CheckRemoteNames(config, status);
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
  for (const auto& [name, s] : c.sparks) check("sparks." + name + ".host", s.host);
  check("vllm.host", c.vllm.host);
  for (const auto& [name, s] : c.services) check("services." + name + ".host", s.host);
  return warnings;
}

}  // namespace spark
