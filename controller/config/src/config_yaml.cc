// YAML text <-> JSON trees for the config layers (config_schema.h): plain scalars are typed
// as YAML 1.2's core schema, quoted scalars stay strings.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "controller/config_schema.h"

namespace spark {
namespace {

using json = nlohmann::json;

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

}  // namespace

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

}  // namespace spark
