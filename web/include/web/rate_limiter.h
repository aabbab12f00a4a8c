#pragma once
// Per-client token buckets for the unauthenticated report routes. Memory is bounded:
// at most `max_clients` buckets, the least recently seen is evicted. Thread-safe.

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "exporter/clock.h"

namespace spark {

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, size_t max_clients = 4096)
      : clock_(clock), max_clients_(max_clients) {}

  // Takes one token from `client`'s bucket (refilled at `rate` per second up to `burst`).
  // Returns 0 when allowed, else the seconds until a token is available (for Retry-After).
  // rate <= 0 disables the limit.
  double Take(const std::string& client, double rate, double burst);

 private:
  struct Bucket {
    double tokens;
    SteadyTime updated;
    std::list<std::string>::iterator lru;
  };
  const Clock& clock_;
  const size_t max_clients_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;  // most recent first
};

}  // namespace spark
