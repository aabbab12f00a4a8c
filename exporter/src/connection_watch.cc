#include "exporter/connection_watch.h"

#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

namespace spark {
namespace {

// How long a held connection's poll() waits before looking again (a stop wakes it at once).
constexpr int kHoldPollMs = 1000;
// Immediate reconnects allowed per `retry` window; past them the watch waits `retry`, so a
// server that closes every connection at once is not hammered.
constexpr int kImmediateReconnects = 3;

enum class WatchOutcome { kConnected, kRefused, kNoJudgment, kStopped };

struct WatchConnect {
  WatchOutcome outcome = WatchOutcome::kNoJudgment;
  int fd = -1;  // kConnected: the caller's to close
  std::string error;
};

int WatchPollMs(Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 60'000));
}

// Waits up to `timeout` for the wake fd; true when it fired (the watcher is to stop).
bool WatchWoken(int wake_fd, Duration timeout) {
  pollfd wake{wake_fd, POLLIN, 0};
  return poll(&wake, 1, WatchPollMs(timeout)) > 0;
}

// One non-blocking connect to one address, bounded by `timeout` and cut short by the wake fd.
WatchConnect ConnectAddress(const addrinfo& address, int wake_fd, Duration timeout) {
  WatchConnect result;
  const int fd = socket(address.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    result.error = std::strerror(errno);
    return result;
  }
  int error = 0;
  if (connect(fd, address.ai_addr, address.ai_addrlen) != 0) error = errno;
  if (error == EINPROGRESS) {
    pollfd fds[2] = {{fd, POLLOUT, 0}, {wake_fd, POLLIN, 0}};
    const int ready = poll(fds, 2, WatchPollMs(timeout));
    if (ready > 0 && fds[1].revents != 0) {
      close(fd);
      result.outcome = WatchOutcome::kStopped;
      return result;
    }
    socklen_t length = sizeof error;
    if (ready <= 0) {
      error = ETIMEDOUT;
    } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
      error = errno;
    }
  }
  if (error == 0) {
    result.outcome = WatchOutcome::kConnected;
    result.fd = fd;
    return result;
  }
  close(fd);
  result.outcome = error == ECONNREFUSED ? WatchOutcome::kRefused : WatchOutcome::kNoJudgment;
  result.error = std::strerror(error);
  return result;
}

// Every address of the target in turn: connected at the first that accepts, refused only when
// every address refused, else no judgment (a timeout, no route, a failed name lookup).
WatchConnect ConnectTarget(const ProbeTarget& target, int wake_fd, Duration timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string port = std::to_string(target.port);
  const int lookup = getaddrinfo(target.host.c_str(), port.c_str(), &hints, &addresses);
  if (lookup != 0) return {WatchOutcome::kNoJudgment, -1, gai_strerror(lookup)};
  WatchConnect result{WatchOutcome::kRefused, -1, {}};
  bool all_refused = true;
  for (const addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    WatchConnect one = ConnectAddress(*a, wake_fd, timeout);
    if (one.outcome == WatchOutcome::kConnected || one.outcome == WatchOutcome::kStopped) {
      result = std::move(one);
      break;
    }
    all_refused = all_refused && one.outcome == WatchOutcome::kRefused;
    result.error = std::move(one.error);
  }
  freeaddrinfo(addresses);
  if (result.outcome == WatchOutcome::kConnected || result.outcome == WatchOutcome::kStopped) {
    return result;
  }
  if (!all_refused) result.outcome = WatchOutcome::kNoJudgment;
  return result;
}

// Grants at most kImmediateReconnects per window of real time.
class ReconnectBudget {
 public:
  explicit ReconnectBudget(Duration window) : window_(window) {}
  bool Take() {
    const SteadyTime now = std::chrono::steady_clock::now();
    if (now - start_ >= window_) {
      start_ = now;
      used_ = 0;
    }
    return ++used_ <= kImmediateReconnects;
  }

 private:
  const Duration window_;
  SteadyTime start_{};
  int used_ = 0;
};

}  // namespace

struct ConnectionWatch::Watcher {
  explicit Watcher(ProbeTarget t)
      : target(std::move(t)), wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Watcher() {
    if (wake_fd >= 0) close(wake_fd);
  }
  void Wake() {
    stop = true;
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(wake_fd, &one, sizeof one);
  }
  const ProbeTarget target;
  const int wake_fd;  // without one (-1), a stop is seen within a poll's timeout
  std::atomic<bool> stop{false};
  std::thread thread;
};

ConnectionWatch::ConnectionWatch(WatchOptions options, WatchEvents events)
    : options_(options), events_(std::move(events)) {}

ConnectionWatch::~ConnectionWatch() {
  std::map<std::string, std::unique_ptr<Watcher>> watchers;
  {
    std::lock_guard lock(mu_);
    watchers.swap(watchers_);
  }
  for (auto& [service, watcher] : watchers) watcher->Wake();
  for (auto& [service, watcher] : watchers) StopWatcher(std::move(watcher));
}

void ConnectionWatch::StopWatcher(std::unique_ptr<Watcher> watcher) {
  watcher->Wake();
  if (watcher->thread.joinable()) watcher->thread.join();
}

void ConnectionWatch::SetTargets(const std::vector<ProbeTarget>& targets) {
  std::vector<std::unique_ptr<Watcher>> retired;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, const ProbeTarget*> wanted;
    for (const ProbeTarget& target : targets) {
      if (target.configured() && target.port > 0) wanted[target.service] = &target;
    }
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      const auto next = wanted.find(it->first);
      const ProbeTarget& held = it->second->target;
      if (next == wanted.end() || next->second->host != held.host ||
          next->second->port != held.port) {
        retired.push_back(std::move(it->second));
        it = watchers_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [service, target] : wanted) {
      if (watchers_.count(service)) continue;
      auto watcher = std::make_unique<Watcher>(*target);
      Watcher* raw = watcher.get();
      watcher->thread = std::thread([this, raw] { Run(*raw); });
      watchers_.emplace(service, std::move(watcher));
    }
  }
  for (auto& watcher : retired) StopWatcher(std::move(watcher));
}

std::map<std::string, ConnectionWatch::Counts> ConnectionWatch::counts() const {
  std::lock_guard lock(counts_mu_);
  return counts_;
}

void ConnectionWatch::Count(const std::string& service, uint64_t Counts::*field) {
  std::lock_guard lock(counts_mu_);
  ++(counts_[service].*field);
}

void ConnectionWatch::Run(Watcher& watcher) {
  const std::string& service = watcher.target.service;
  bool armed = false;    // a connection was held since the last reported refusal
  bool refused = false;  // the latest connect was refused
  ReconnectBudget budget(options_.retry);
  while (!watcher.stop) {
    WatchConnect attempt = ConnectTarget(watcher.target, watcher.wake_fd, options_.connect_timeout);
    if (attempt.outcome == WatchOutcome::kStopped) return;
    if (attempt.outcome == WatchOutcome::kConnected) {
      Count(service, &Counts::connects);
      if (refused && events_.reachable) events_.reachable(service);
      refused = false;
      armed = true;
      Hold(watcher, attempt.fd);
      close(attempt.fd);
      if (watcher.stop) return;
      Count(service, &Counts::closes);
      if (budget.Take()) continue;  // at once: a refusal now is the death we watch for
    } else if (attempt.outcome == WatchOutcome::kRefused) {
      Count(service, &Counts::refusals);
      if (armed && events_.refused) {
        events_.refused(service, "connection refused (" + watcher.target.host + ":" +
                                     std::to_string(watcher.target.port) +
                                     ", seen by the connection watch)");
      }
      armed = false;
      refused = true;
    }
    if (WatchWoken(watcher.wake_fd, options_.retry)) return;
  }
}

// Until the server ends the connection (EOF, reset, error) or the watcher stops. Whatever the
// server sends is read and dropped.
void ConnectionWatch::Hold(Watcher& watcher, int fd) {
  char sink[512];
  while (!watcher.stop) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {watcher.wake_fd, POLLIN, 0}};
    if (poll(fds, 2, kHoldPollMs) <= 0 || fds[1].revents != 0) continue;
    const ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
    if (n == 0) return;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return;
  }
}

}  // namespace spark
