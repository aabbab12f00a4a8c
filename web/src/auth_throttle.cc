#include "web/auth_throttle.h"

namespace spark {

double AuthThrottle::Blocked(const std::string& client) {
  const SteadyTime now = clock_.Now();
  std::lock_guard lock(mu_);
  const auto it = entries_.find(client);
  if (it == entries_.end() || it->second.failures < max_failures_) return 0;
  const Duration left = it->second.first + window_ - now;
  if (left > Duration::zero()) return Seconds(left);
  lru_.erase(it->second.lru);
  entries_.erase(it);
  return 0;
}

void AuthThrottle::Failed(const std::string& client) {
  const SteadyTime now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = entries_.find(client);
  if (it == entries_.end()) {
    if (entries_.size() >= max_clients_) {
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(client);
    it = entries_.emplace(client, Entry{0, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    if (now - it->second.first >= window_) it->second = Entry{0, now, it->second.lru};
  }
  ++it->second.failures;
}

void AuthThrottle::Succeeded(const std::string& client) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(client);
  if (it == entries_.end()) return;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

}  // namespace spark
