#include "web/cluster_set.h"

#include <map>

#include "exporter/log.h"

namespace spark {

ClusterSet::ClusterSet(ClusterEnvironment env, Scraper& scraper)
    : env_(std::move(env)), scraper_(scraper) {}

ClusterSet::~ClusterSet() { StopAll(); }

ClusterPtr ClusterSet::Start(Config view, bool is_default) {
  const std::string name = view.cluster;
  auto cluster = std::make_shared<Cluster>(env_, std::move(view), is_default);
  Cluster* raw = cluster.get();  // the scraper drops the sources before the cluster goes
  for (const auto& source : cluster->metrics()) {
    scraper_.Add(source, [raw] { return raw->name(); });
  }
  Log(LogLevel::kInfo, "cluster " + name + " started");
  return cluster;
}

void ClusterSet::Stop(const ClusterPtr& cluster) {
  for (const auto& source : cluster->metrics()) scraper_.Remove(source.get());
  cluster->Retire();
  Log(LogLevel::kInfo, "cluster " + cluster->name() + " stopped");
}

void ClusterSet::Apply(const Config& root) {
  std::vector<Config> views = ClusterConfigs(root);
  std::vector<ClusterPtr> before = All();
  std::map<std::string, ClusterPtr> by_name;  // the clusters after the default one
  for (size_t i = 1; i < before.size(); ++i) by_name.emplace(before[i]->name(), before[i]);
  std::vector<ClusterPtr> after;
  after.reserve(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    ClusterPtr kept;
    if (i == 0 && !before.empty()) {
      kept = before.front();
    } else if (const auto it = by_name.find(views[i].cluster); i > 0 && it != by_name.end()) {
      kept = it->second;
      by_name.erase(it);
    }
    if (kept) {
      kept->Reconfigure(std::move(views[i]));
      after.push_back(std::move(kept));
    } else {
      after.push_back(Start(std::move(views[i]), i == 0));
    }
  }
  {
    std::lock_guard lock(mu_);
    const bool changed = after.size() != clusters_.size() || !by_name.empty() ||
                         !std::equal(after.begin(), after.end(), clusters_.begin());
    clusters_ = after;
    if (changed) ++version_;
  }
  for (const auto& [name, removed] : by_name) Stop(removed);
}

Result<ClusterPtr> ClusterSet::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  if (name.empty() && !clusters_.empty()) return clusters_.front();
  for (const auto& cluster : clusters_) {
    if (cluster->name() == name) return cluster;
  }
  return Status::Error(ErrorCode::kNotFound, "no cluster \"" + std::string(name) + "\"", "cluster");
}

ClusterPtr ClusterSet::Default() const {
  std::lock_guard lock(mu_);
  return clusters_.empty() ? nullptr : clusters_.front();
}

std::vector<ClusterPtr> ClusterSet::All() const {
  std::lock_guard lock(mu_);
  return clusters_;
}

uint64_t ClusterSet::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

void ClusterSet::StopAll() {
  std::vector<ClusterPtr> all;
  {
    std::lock_guard lock(mu_);
    all.swap(clusters_);
    ++version_;
  }
  for (const auto& cluster : all) Stop(cluster);
}

}  // namespace spark
