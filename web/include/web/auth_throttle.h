#pragma once
// Repeated 401s from one client address (API.md "Errors": 429 rate_limited): after
// `max_failures` wrong or missing tokens within `window` of the first one, every request to a
// token-guarded route from that address is refused until the window ends — the token is not
// even compared, so guessing stops. A valid token resets the count. At most `max_clients`
// addresses are tracked (the least recently seen is forgotten). Thread-safe.

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "exporter/clock.h"

namespace spark {

class AuthThrottle {
 public:
  static constexpr int kMaxFailures = 10;
  static constexpr Duration kWindow = std::chrono::minutes(1);

  explicit AuthThrottle(const Clock& clock, int max_failures = kMaxFailures,
                        Duration window = kWindow, size_t max_clients = 4096)
      : clock_(clock), max_failures_(max_failures), window_(window), max_clients_(max_clients) {}

  // Seconds until `client` may send a token again; 0 when it may now.
  double Blocked(const std::string& client);
  void Failed(const std::string& client);
  void Succeeded(const std::string& client);

 private:
  struct Entry {
    int failures = 0;
    SteadyTime first;
    std::list<std::string>::iterator lru;
  };
  const Clock& clock_;
  const int max_failures_;
  const Duration window_;
  const size_t max_clients_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recent first
};

}  // namespace spark
