#pragma once
// The clusters the process serves, the default one first (API.md "Configuration",
// multi-cluster): started at start-up and started, reconfigured or stopped live whenever the
// configuration changes, without a restart. Readers get shared references, so a cluster
// removed while a request uses it stays valid until that request ends. Thread-safe.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/metrics.h"
#include "exporter/status.h"
#include "web/cluster.h"

namespace spark {

using ClusterPtr = std::shared_ptr<Cluster>;

class ClusterSet {
 public:
  // `scraper` shows each cluster's metrics, labelled with its name, while it is in the set.
  ClusterSet(ClusterEnvironment env, Scraper& scraper);
  ~ClusterSet();  // StopAll
  ClusterSet(const ClusterSet&) = delete;
  ClusterSet& operator=(const ClusterSet&) = delete;

  // Brings the set in line with `root` (ClusterConfigs order): the default cluster is the
  // first and stays the same object (also when `cluster:` renames it); the others are matched
  // by name — new ones start, missing ones are retired, the rest take their new view. One
  // caller at a time (start-up, then the config store's change listener).
  void Apply(const Config& root);
  // The cluster called `name`; the default one for an empty name. not_found naming it
  // otherwise (field `cluster`).
  Result<ClusterPtr> Find(std::string_view name) const;
  ClusterPtr Default() const;
  std::vector<ClusterPtr> All() const;  // the default first, then in configuration order
  // Bumped when a cluster is added or removed.
  uint64_t version() const;
  // Retires every cluster and drops the set's references (shutdown).
  void StopAll();

 private:
  ClusterPtr Start(Config view, bool is_default);
  void Stop(const ClusterPtr& cluster);

  const ClusterEnvironment env_;
  Scraper& scraper_;
  mutable std::mutex mu_;  // guards clusters_ and version_ (Apply's changes are made outside)
  std::vector<ClusterPtr> clusters_;
  uint64_t version_ = 0;
};

}  // namespace spark
