#include "controller/config_schema.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "controller/remote_names.h"

namespace spark {
namespace {

using json = nlohmann::json;

// Character checks instead of std::regex throughout: libstdc++'s matcher recurses per
// character and overflows the small stacks CivetWeb gives its request threads.
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A DNS name or IPv4 address: labels of 1-63 [A-Za-z0-9-] starting with a letter or digit,
// separated by dots, an optional trailing dot.
bool IsHostName(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  while (true) {
    const size_t dot = host.find('.');
    const std::string_view label = host.substr(0, dot);
    if (label.empty() || label.size() > 63 || !IsAlnum(label.front()) ||
        !std::all_of(label.begin(), label.end(), [](char c) { return IsAlnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    host.remove_prefix(dot + 1);
  }
}

// Reads one JSON object, remembering which keys were consumed so that leftovers can be
// reported as unknown. The first error wins; later reads become no-ops.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path, Status& status)
      : object_(object), path_(std::move(path)), status_(status) {
    if (status_.ok() && !object_.is_object()) Fail(path_, "expected a mapping");
  }

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The value at `key`, or nullptr when absent (absent = keep the default).
  const json* Get(std::string_view key) {
    if (!status_.ok() || !object_.is_object()) return nullptr;
    seen_.insert(std::string(key));
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  void String(std::string_view key, std::string& out, bool allow_empty = false) {
    const json* v = Get(key);
    if (v == nullptr) return;
    if (!v->is_string()) return Fail(Path(key), "expected a string");
    if (!allow_empty && v->get_ref<const std::string&>().empty()) {
      return Fail(Path(key), "must not be empty");
    }
    out = v->get<std::string>();
  }

  void Bool(std::string_view key, bool& out) {
    const json* v = Get(key);
    if (v == nullptr) return;
    if (!v->is_boolean()) return Fail(Path(key), "expected true or false");
    out = v->get<bool>();
  }

  void OptString(std::string_view key, std::optional<std::string>& out) {
    const json* v = Get(key);
    if (v == nullptr) return;
    if (v->is_null()) {
      out.reset();
      return;
    }
    if (!v->is_string()) return Fail(Path(key), "expected a string or null");
    if (v->get_ref<const std::string&>().empty()) {
      out.reset();  // "" is the same as null: unset
      return;
    }
    out = v->get<std::string>();
  }

  void OptHost(std::string_view key, std::optional<std::string>& out) {
    OptString(key, out);
    if (status_.ok() && out && !IsHostName(*out)) {
      Fail(Path(key),
           "expected a host name or IPv4 address without scheme or port, got '" + *out + "'");
    }
  }

  template <typename Int>
  void Integer(std::string_view key, Int& out, long long lo, long long hi) {
    const json* v = Get(key);
    if (v == nullptr) return;
    if (!v->is_number_integer()) return Fail(Path(key), "expected an integer");
    const long long n = v->get<long long>();
    if (n < lo || n > hi) {
      return Fail(Path(key),
                  "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    out = static_cast<Int>(n);
  }

  void Number(std::string_view key, double& out, double lo, double hi, bool lo_open = false) {
    const json* v = Get(key);
    if (v == nullptr) return;
    if (!v->is_number()) return Fail(Path(key), "expected a number");
    const double n = v->get<double>();
    if (!std::isfinite(n) || n < lo || n > hi || (lo_open && n == lo)) {
      return Fail(Path(key), std::string("expected a number ") + (lo_open ? "above " : "from ") +
                                 Format(lo) + " to " + Format(hi));
    }
    out = n;
  }

  void StringList(std::string_view key, std::vector<std::string>& out) {
    const json* v = Get(key);
    if (v == nullptr) return;
    if (v->is_null()) {
      out.clear();
      return;
    }
    if (!v->is_array()) return Fail(Path(key), "expected a list of strings");
    std::vector<std::string> items;
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string())
        return Fail(Path(key) + "[" + std::to_string(i) + "]", "expected a string");
      items.push_back((*v)[i].get<std::string>());
    }
    out = std::move(items);
  }

  // Reports the first key that no read asked for.
  void Finish() {
    if (!status_.ok() || !object_.is_object()) return;
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.count(key)) return Fail(Path(key), "unknown key");
    }
  }

  void Fail(const std::string& field, const std::string& problem) {
    if (status_.ok())
      status_ = Status::Error(ErrorCode::kInvalidField, field + ": " + problem, field);
  }

 private:
  static std::string Format(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  const json& object_;
  std::string path_;
  Status& status_;
  std::set<std::string> seen_;
};

// Runs `body(reader)` on the object at `key` when present (and not null).
template <typename Body>
void Section(ObjectReader& parent, std::string_view key, Status& status, Body body) {
  const json* v = parent.Get(key);
  if (v == nullptr || !status.ok()) return;
  if (v->is_null()) return;
  ObjectReader reader(*v, parent.Path(key), status);
  body(reader);
  reader.Finish();
}

// ^[a-z][a-z0-9_-]{0,31}$
bool IsConfigName(std::string_view name) {
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  return !name.empty() && name.size() <= 32 && lower(name.front()) &&
         std::all_of(name.begin(), name.end(), [&](char c) {
           return lower(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
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

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Skips digits from `i`; how many there were.
size_t Digits(std::string_view s, size_t& i) {
  const size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i - start;
}

// ^[-+]?[0-9]+$
bool IsYamlInt(std::string_view s) {
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  return Digits(s, i) > 0 && i == s.size();
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool IsYamlFloat(std::string_view s) {
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  const size_t whole = Digits(s, i);
  size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    fraction = Digits(s, i);
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (Digits(s, i) == 0) return false;
  }
  return i == s.size();
}

json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  auto one_of = [&](std::initializer_list<std::string_view> words) {
    return std::find(words.begin(), words.end(), text) != words.end();
  };
  if (one_of({"~", "null", "Null", "NULL", ""})) return nullptr;
  if (one_of({"true", "True", "TRUE"})) return true;
  if (one_of({"false", "False", "FALSE"})) return false;
  if (IsYamlInt(text)) {
    try {
      return std::stoll(text);
    } catch (const std::out_of_range&) {
      return text;
    }
  }
  // strtod never throws: a value beyond double's range becomes ±inf (refused by the decoder
  // with a message) and a subnormal stays a number, where std::stod would throw.
  if (IsYamlFloat(text)) return std::strtod(text.c_str(), nullptr);
  return text;
}

json NodeToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(NodeToJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& item : node) {
        out[item.first.as<std::string>()] = NodeToJson(item.second);
      }
      return out;
    }
  }
  return nullptr;
}

void EmitJson(YAML::Emitter& out, const json& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, value] : v.items()) {
      out << YAML::Key << key << YAML::Value;
      EmitJson(out, value);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& item : v) EmitJson(out, item);
    out << YAML::EndSeq;
  } else if (v.is_null()) {
    out << YAML::Null;
  } else if (v.is_boolean()) {
    out << v.get<bool>();
  } else if (v.is_number_integer()) {
    out << v.get<long long>();
  } else if (v.is_number()) {
    out << v.get<double>();
  } else {
    out << YAML::DoubleQuoted << v.get<std::string>();
  }
}

json OptJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

constexpr std::string_view kCredentialMask = "***";

// The [start, end) of the user-info of `url` (before the last '@' of its authority);
// nullopt when it has none.
std::optional<std::pair<size_t, size_t>> UserInfo(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t authority_end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  return std::make_pair(start, at);
}

}  // namespace

std::string MaskUrlCredentials(std::string_view url) {
  const auto info = UserInfo(url);
  if (!info) return std::string(url);
  return std::string(url.substr(0, info->first)) + std::string(kCredentialMask) +
         std::string(url.substr(info->second));
}

std::string StripUrlCredentials(std::string_view url) {
  const auto info = UserInfo(url);
  if (!info) return std::string(url);
  return std::string(url.substr(0, info->first)) + std::string(url.substr(info->second + 1));
}

bool HasMaskedCredentials(std::string_view url) {
  const auto info = UserInfo(url);
  return info && url.substr(info->first, info->second - info->first) == kCredentialMask;
}

Result<Config> DecodeConfig(const json& tree) {
  Config c;
  Status status = Status::Ok();
  ObjectReader root(tree, "", status);
  root.String("cluster", c.cluster);
  if (status.ok() && !IsConfigName(c.cluster)) {
    root.Fail("cluster", "expected a short lowercase name ([a-z][a-z0-9_-]*)");
  }
  if (const json* sparks = root.Get("sparks"); sparks != nullptr && status.ok()) {
    ObjectReader r(*sparks, "sparks", status);
    if (status.ok()) {
      for (const auto& [name, value] : sparks->items()) {
        if (value.is_null()) {
          c.sparks.erase(name);
          continue;
        }
        if (!IsConfigName(name)) r.Fail("sparks." + name, "invalid Spark name");
        SparkConfig spark = c.sparks.count(name) ? c.sparks[name] : SparkConfig{};
        ObjectReader s(value, "sparks." + name, status);
        s.OptHost("host", spark.host);
        s.OptString("user", spark.user);
        s.Integer("port", spark.port, 1, 65535);
        s.Finish();
        c.sparks[name] = spark;
      }
    }
  }
  Section(root, "vllm", status, [&](ObjectReader& r) {
    r.String("spark", c.vllm.spark);
    r.OptHost("host", c.vllm.host);
    r.Integer("port", c.vllm.port, 1, 65535);
  });
  if (const json* services = root.Get("services"); services != nullptr && status.ok()) {
    ObjectReader r(*services, "services", status);
    if (status.ok()) {
      for (const auto& [name, value] : services->items()) {
        if (value.is_null()) {
          c.services.erase(name);
          continue;
        }
        if (!IsConfigName(name) || name == "vllm") {
          r.Fail("services." + name, "invalid service name (lowercase, not 'vllm')");
          break;
        }
        ServiceConfig service = c.services.count(name) ? c.services[name] : ServiceConfig{};
        if (service.container.empty()) service.container = name;
        ObjectReader s(value, "services." + name, status);
        DecodeService(s, service);
        s.Finish();
        c.services[name] = service;
      }
    }
  }
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
  Section(root, "limits", status, [&](ObjectReader& r) {
    LimitsConfig& l = c.limits;
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
  });
  Section(root, "security", status, [&](ObjectReader& r) {
    r.Bool("allow_trust_remote_code", c.security.allow_trust_remote_code);
  });
  root.Finish();
  CheckCaps(c, status);
  CheckReferences(c, status);
  CheckRemoteNames(c, status);
  if (!status.ok()) return status;
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

Result<json> ParseYamlTree(std::string_view text, std::string_view origin) {
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    json tree = NodeToJson(root);
    if (tree.is_null()) return json::object();  // an empty file
    if (!tree.is_object()) {
      return Status::Error(ErrorCode::kInvalidField,
                           std::string(origin) + ": expected a mapping at the top level");
    }
    return tree;
  } catch (const YAML::Exception& e) {
    return Status::Error(ErrorCode::kInvalidField,
                         std::string(origin) + ": line " + std::to_string(e.mark.line + 1) +
                             ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

std::string EmitYamlTree(const json& tree) {
  YAML::Emitter out;
  EmitJson(out, tree);
  return std::string(out.c_str()) + "\n";
}

Status CheckOverlayTree(const json& overlay) {
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
