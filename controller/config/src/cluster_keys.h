#pragma once
// Private to the config schema: the keys that describe one cluster (`sparks`, `vllm`,
// `services`, `remote`, `open_webui`), decoded and encoded alike at the top level (the default
// cluster) and in each entry of `clusters`. Not thread-safe (see ObjectReader).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config_reader.h"
#include "controller/config.h"

namespace spark {

// The value, or null when unset.
nlohmann::json OptionalJson(const std::optional<std::string>& value);

// Reads `key` as a cluster name ([a-z][a-z0-9_-]*, ≤ 32) into `out`; absent keeps `out`.
void DecodeClusterName(ObjectReader& r, std::string_view key, std::string& out);

// Decodes the cluster keys of the object `r` reads over `cluster` (absent keys keep its
// values; null for a Spark or service removes it).
void DecodeClusterKeys(ObjectReader& r, Status& status, ClusterConfig& cluster);

// Adds the cluster keys of `cluster` to the object `tree`. A built-in Spark or service that
// `cluster` lacks is encoded as null, so decoding the tree gives back the same cluster. With
// `redact`, credentials in URLs are masked.
void EncodeClusterKeys(const ClusterConfig& cluster, bool redact, nlohmann::json& tree);

// `clusters`: a list of {name, cluster keys} entries, each over the defaults, at most
// `max_clusters` of them; null empties it. Fails naming the entry (`clusters[1].name`).
void DecodeClusterList(ObjectReader& root, Status& status, int max_clusters,
                       std::vector<ClusterConfig>& out);
nlohmann::json EncodeClusterList(const std::vector<ClusterConfig>& clusters, bool redact);

}  // namespace spark
