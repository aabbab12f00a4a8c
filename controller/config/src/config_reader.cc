#include "config_reader.h"

#include <algorithm>
#include <cctype>

#include "exporter/json_number.h"

namespace spark {
namespace {

using json = nlohmann::json;

// Character checks instead of std::regex throughout: libstdc++'s matcher recurses per
// character and overflows the small stacks CivetWeb gives its request threads.
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A bound as a message shows it: 0.05, 3600, not 0.050000, 3600.000000.
std::string FormatBound(double d) {
  std::string s = std::to_string(d);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

bool IsConfigName(std::string_view name) {
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  return !name.empty() && name.size() <= 32 && lower(name.front()) &&
         std::all_of(name.begin(), name.end(), [&](char c) {
           return lower(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

bool IsHostName(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  for (size_t labels = 0; labels < 128; ++labels) {  // ≤ 127 labels fit in 253 characters
    const size_t dot = host.find('.');
    const std::string_view label = host.substr(0, dot);
    if (label.empty() || label.size() > 63 || !IsAlnum(label.front()) ||
        !std::all_of(label.begin(), label.end(), [](char c) { return IsAlnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    host.remove_prefix(dot + 1);
  }
  return false;
}

ObjectReader::ObjectReader(const json& object, std::string path, Status& status)
    : object_(object), path_(std::move(path)), status_(status) {
  if (status_.ok() && !object_.is_object()) Fail(path_, "expected a mapping");
}

std::string ObjectReader::Path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const json* ObjectReader::Get(std::string_view key) {
  if (!status_.ok() || !object_.is_object()) return nullptr;
  seen_.insert(std::string(key));
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

void ObjectReader::String(std::string_view key, std::string& out, bool allow_empty) {
  const json* v = Get(key);
  if (v == nullptr) return;
  if (!v->is_string()) return Fail(Path(key), "expected a string");
  if (!allow_empty && v->get_ref<const std::string&>().empty()) {
    return Fail(Path(key), "must not be empty");
  }
  out = v->get<std::string>();
}

void ObjectReader::Bool(std::string_view key, bool& out) {
  const json* v = Get(key);
  if (v == nullptr) return;
  if (!v->is_boolean()) return Fail(Path(key), "expected true or false");
  out = v->get<bool>();
}

void ObjectReader::OptString(std::string_view key, std::optional<std::string>& out) {
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

void ObjectReader::OptHost(std::string_view key, std::optional<std::string>& out) {
  OptString(key, out);
  if (status_.ok() && out && !IsHostName(*out)) {
    Fail(Path(key),
         "expected a host name or IPv4 address without scheme or port, got '" + *out + "'");
  }
}

void ObjectReader::Integer(std::string_view key, long long& out, long long lo, long long hi) {
  const json* v = Get(key);
  if (v == nullptr) return;
  if (!v->is_number_integer()) return Fail(Path(key), "expected an integer");
  const auto n = IntegerInRange(*v, lo, hi);
  if (!n) {
    return Fail(Path(key),
                "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  out = *n;
}

void ObjectReader::Number(std::string_view key, double& out, double lo, double hi) {
  const json* v = Get(key);
  if (v == nullptr) return;
  if (!v->is_number()) return Fail(Path(key), "expected a number");
  const auto n = NumberInRange(*v, lo, hi);
  if (!n) {
    return Fail(Path(key), "expected a number from " + FormatBound(lo) + " to " + FormatBound(hi));
  }
  out = *n;
}

void ObjectReader::StringList(std::string_view key, std::vector<std::string>& out) {
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

void ObjectReader::NumberList(std::string_view key, std::vector<double>& out, size_t min_size,
                              size_t max_size, double lo, double hi) {
  const json* v = Get(key);
  if (v == nullptr) return;
  if (!v->is_array() || v->size() < min_size || v->size() > max_size) {
    return Fail(Path(key), "expected a list of " + std::to_string(min_size) + " to " +
                               std::to_string(max_size) + " numbers");
  }
  std::vector<double> items;
  for (size_t i = 0; i < v->size(); ++i) {
    const auto n = (*v)[i].is_number() ? NumberInRange((*v)[i], lo, hi) : std::nullopt;
    if (!n) {
      return Fail(Path(key) + "[" + std::to_string(i) + "]",
                  "expected a number from " + FormatBound(lo) + " to " + FormatBound(hi));
    }
    items.push_back(*n);
  }
  out = std::move(items);
}

void ObjectReader::Finish() {
  if (!status_.ok() || !object_.is_object()) return;
  for (const auto& [key, value] : object_.items()) {
    // An empty key is named as "" so the error still points somewhere.
    if (!seen_.count(key)) return Fail(Path(key.empty() ? "\"\"" : key), "unknown key");
  }
}

void ObjectReader::Fail(const std::string& field, const std::string& problem) {
  if (status_.ok())
    status_ = Status::Error(ErrorCode::kInvalidField, field + ": " + problem, field);
}

}  // namespace spark
