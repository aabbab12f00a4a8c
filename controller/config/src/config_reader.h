#pragma once
// Private to the config schema: reads one JSON object of a config tree into typed fields,
// remembering which keys were read so that leftovers are reported as unknown. The first
// error wins (in the shared Status); later reads become no-ops. Not thread-safe.

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/status.h"

namespace spark {

// ^[a-z][a-z0-9_-]{0,31}$ (a cluster, Spark or service name).
bool IsConfigName(std::string_view name);
// A DNS name or IPv4 address: labels of 1-63 [A-Za-z0-9-] starting with a letter or digit,
// separated by dots, an optional trailing dot.
bool IsHostName(std::string_view host);

class ObjectReader {
 public:
  // `path` is the dotted key of `object` ("" for the root); fails unless it is an object.
  ObjectReader(const nlohmann::json& object, std::string path, Status& status);

  std::string Path(std::string_view key) const;
  // The value at `key`, or nullptr when absent (absent = keep the default).
  const nlohmann::json* Get(std::string_view key);

  // Each leaves `out` alone when the key is absent, and fails naming the key on a wrong type
  // or value. Null or "" unsets an optional; null empties a list.
  void String(std::string_view key, std::string& out, bool allow_empty = false);
  void Bool(std::string_view key, bool& out);
  void OptString(std::string_view key, std::optional<std::string>& out);
  void OptHost(std::string_view key, std::optional<std::string>& out);
  void Integer(std::string_view key, long long& out, long long lo, long long hi);
  template <typename Int>
  void Integer(std::string_view key, Int& out, long long lo, long long hi) {
    long long n = out;
    Integer(key, n, lo, hi);
    out = static_cast<Int>(n);
  }
  void Number(std::string_view key, double& out, double lo, double hi);
  void StringList(std::string_view key, std::vector<std::string>& out);
  // A list of `min_size` to `max_size` numbers, each from lo to hi (null is not a list here).
  void NumberList(std::string_view key, std::vector<double>& out, size_t min_size, size_t max_size,
                  double lo, double hi);

  // Reports the first key that no read asked for.
  void Finish();
  void Fail(const std::string& field, const std::string& problem);

 private:
  const nlohmann::json& object_;
  std::string path_;
  Status& status_;
  std::set<std::string> seen_;
};

// Runs `body(reader)` on the object at `key` when present (and not null).
template <typename Body>
void Section(ObjectReader& parent, std::string_view key, Status& status, Body body) {
  const nlohmann::json* v = parent.Get(key);
  if (v == nullptr || !status.ok()) return;
  if (v->is_null()) return;
  ObjectReader reader(*v, parent.Path(key), status);
  body(reader);
  reader.Finish();
}

}  // namespace spark
