#include "exporter/poller.h"

#include <algorithm>

namespace spark {

struct Poller::Monitor {
  explicit Monitor(ProbeTarget t) : target(std::move(t)) {}
  const ProbeTarget target;
  std::thread thread;
  std::mutex mu;  // guards the fields below
  std::condition_variable_any cv;
  bool stop = false;
  bool pending = false;
  SteadyTime last_start{};
};

Poller::Poller(PollerOptions options, HttpClientFactory http, EventLog& events, const Clock& clock)
    : http_factory_(std::move(http)),
      events_(events),
      clock_(clock),
      options_(options),
      snapshot_(std::make_shared<Snapshot>()) {
  std::lock_guard lock(watch_mu_);
  ApplyWatch(options.watch_connections);
}

Poller::~Poller() { Stop(); }

void Poller::Stop() {
  std::map<std::string, std::unique_ptr<Monitor>> monitors;
  {
    std::lock_guard watch(watch_mu_);
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      monitors.swap(monitors_);
    }
    watch_.reset();  // joins the watch threads; their last MarkRefused finds stopped_
  }
  for (auto& [name, monitor] : monitors) {
    std::lock_guard lock(monitor->mu);
    monitor->stop = true;
    monitor->cv.notify_all();
  }
  for (auto& [name, monitor] : monitors) StopMonitor(std::move(monitor));
}

void Poller::StopMonitor(std::unique_ptr<Monitor> monitor) {
  {
    std::lock_guard lock(monitor->mu);
    monitor->stop = true;
  }
  monitor->cv.notify_all();
  if (monitor->thread.joinable()) monitor->thread.join();
}

void Poller::SetOptions(PollerOptions options) {
  std::lock_guard watch(watch_mu_);
  bool stopped;
  {
    std::lock_guard lock(mu_);
    options_ = options;
    stopped = stopped_;
  }
  ApplyWatch(options.watch_connections && !stopped);
}

void Poller::ApplyWatch(bool on) {
  if (!on) {
    watch_.reset();
    return;
  }
  if (watch_) return;
  WatchEvents events;
  events.refused = [this](const std::string& service, const std::string& error) {
    MarkRefused(service, error);
  };
  events.reachable = [this](const std::string& service) { RequestProbe(service); };
  watch_ = std::make_unique<ConnectionWatch>(WatchOptions{}, std::move(events));
  watch_->SetTargets(watched_);
}

std::map<std::string, ConnectionWatch::Counts> Poller::WatchCounts() const {
  std::lock_guard lock(watch_mu_);
  if (!watch_) return {};
  return watch_->counts();
}

void Poller::SetTargets(const std::vector<ProbeTarget>& targets) {
  std::lock_guard watch(watch_mu_);
  watched_ = targets;
  std::vector<std::unique_ptr<Monitor>> retired;
  {
    std::lock_guard publish(publish_mu_);
    std::lock_guard lock(mu_);
    for (auto it = monitors_.begin(); it != monitors_.end();) {
      const auto wanted = std::find_if(targets.begin(), targets.end(), [&](const ProbeTarget& t) {
        return t.service == it->first;
      });
      if (wanted == targets.end() || !(*wanted == it->second->target)) {
        retired.push_back(std::move(it->second));
        it = monitors_.erase(it);
      } else {
        ++it;
      }
    }
    PublishTargetsLocked(targets);
    if (stopped_) return;
    for (const ProbeTarget& target : targets) {
      if (monitors_.count(target.service)) continue;
      auto monitor = std::make_unique<Monitor>(target);
      Monitor* raw = monitor.get();
      monitor->thread = std::thread([this, raw] { Run(raw); });
      monitors_.emplace(target.service, std::move(monitor));
    }
  }
  feed_.Bump();
  for (auto& monitor : retired) StopMonitor(std::move(monitor));
  if (watch_) watch_->SetTargets(targets);
}

void Poller::PublishTargetsLocked(const std::vector<ProbeTarget>& targets) {
  auto next = std::make_shared<Snapshot>(*snapshot_);
  std::map<std::string, ServiceState> services;
  for (const ProbeTarget& target : targets) {
    auto old = next->services.find(target.service);
    ServiceState state;
    if (old != next->services.end()) {
      state = std::move(old->second);
      if (!(state.target == target)) {  // re-configured: back to unknown, counters kept
        state.up.reset();
        state.error.clear();
        state.latency_ms = 0;
        state.last_change.reset();
        state.model.reset();
        state.last_model.reset();
        state.history.clear();
      }
    }
    state.target = target;
    services.emplace(target.service, std::move(state));
  }
  next->services = std::move(services);
  ++next->version;
  ++next->state_version;
  snapshot_ = std::move(next);
}

void Poller::RequestProbe(const std::string& service) {
  std::lock_guard lock(mu_);
  const auto it = monitors_.find(service);
  if (it == monitors_.end()) return;
  std::lock_guard monitor_lock(it->second->mu);
  it->second->pending = true;
  it->second->cv.notify_all();
}

void Poller::ProbeNow(const std::string& service) {
  ProbeTarget target;
  Duration timeout;
  {
    std::lock_guard lock(mu_);
    const auto it = snapshot_->services.find(service);
    if (it == snapshot_->services.end()) return;
    target = it->second.target;
    timeout = options_.timeout;
  }
  auto http = http_factory_();
  Publish(target, RunProbe(*http, target, timeout), Origin::kProbe);
}

void Poller::MarkRefused(const std::string& service, std::string error) {
  ProbeTarget target;
  {
    std::lock_guard lock(mu_);
    const auto it = snapshot_->services.find(service);
    if (stopped_ || it == snapshot_->services.end()) return;
    target = it->second.target;
  }
  ProbeResult result;
  result.reason = FailureReason::kRefused;
  result.error = std::move(error);
  Publish(target, result, Origin::kWatch);
}

SnapshotPtr Poller::Current() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

void Poller::Run(Monitor* monitor) {
  auto http = http_factory_();
  SteadyTime next = clock_.Now();
  while (true) {
    PollerOptions options;
    {
      std::lock_guard lock(mu_);
      options = options_;
    }
    {
      std::unique_lock lock(monitor->mu);
      // Until the next round, or a requested probe once reprobe_spacing has passed.
      while (!monitor->stop) {
        const SteadyTime now = clock_.Now();
        const SteadyTime early = monitor->last_start + options.reprobe_spacing;
        if (now >= next || (monitor->pending && now >= early)) break;
        const bool pending = monitor->pending;
        clock_.WaitUntil(lock, monitor->cv, pending ? std::min(next, early) : next,
                         [&] { return monitor->stop || monitor->pending != pending; });
      }
      if (monitor->stop) return;
      monitor->pending = false;
      monitor->last_start = clock_.Now();
      next = monitor->last_start + options.interval;
    }
    Publish(monitor->target, RunProbe(*http, monitor->target, options.timeout), Origin::kProbe);
  }
}

ProbeResult Poller::RunProbe(HttpClient& http, const ProbeTarget& target, Duration timeout) {
  const Prober prober = ProberForKind(target.kind);
  if (prober == nullptr) {
    ProbeResult unknown;
    unknown.error = "no prober for kind '" + target.kind + "'";
    return unknown;
  }
  const SteadyTime start = clock_.Now();
  ProbeResult result = prober(http, target, timeout);
  result.elapsed = clock_.Now() - start;
  return result;
}

void Poller::Publish(const ProbeTarget& target, const ProbeResult& result, Origin origin) {
  std::lock_guard publish(publish_mu_);
  auto next = std::make_shared<Snapshot>(*Current());
  const auto it = next->services.find(target.service);
  if (it == next->services.end() || !(it->second.target == target)) return;  // stale result
  ServiceState& state = it->second;
  const WallTime now = clock_.WallNow();
  const std::optional<bool> was = state.up;
  const bool probed = origin == Origin::kProbe;  // a watch result is no probe: no latency
  const double ms = Millis(result.elapsed);
  const std::string error = result.ok ? std::string() : result.error;
  const bool same_state = was == result.ok && (result.ok || state.reason == result.reason) &&
                          state.error == error && state.model == result.model;

  state.up = result.ok;
  state.reason = result.reason;
  state.error = error;
  if (probed) state.latency_ms = ms;
  state.model = result.model;
  if (result.ok && result.model) state.last_model = result.model;
  if (target.configured() && probed) {
    state.history.push_back({now, result.ok, ms});
    if (state.history.size() > ServiceState::kHistoryLength) state.history.pop_front();
    state.probe_duration.Observe(Seconds(result.elapsed));
  }
  if (!result.ok) ++state.failures[static_cast<size_t>(result.reason)];

  if (!was || *was != result.ok) {
    state.last_change = now;
    if (was) ++(result.ok ? state.transitions_up : state.transitions_down);
    ConnectivityEvent event;
    event.service = target.service;
    event.type = EventType::kTransition;
    event.ok = result.ok;
    event.source = probed ? "poller" : "watch";
    {
      std::lock_guard lock(mu_);
      event.cluster = options_.cluster;
    }
    event.error = state.error;
    if (target.configured() && probed) event.ms = ms;
    (void)events_.Append(std::move(event));  // a full disk is counted by the log itself
  }
  {
    std::lock_guard lock(mu_);
    next->version = snapshot_->version + 1;
    next->state_version = snapshot_->state_version + (same_state ? 0 : 1);
    snapshot_ = std::move(next);
  }
  feed_.Bump();
}

}  // namespace spark
