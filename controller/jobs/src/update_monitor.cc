#include "controller/update_monitor.h"

#include <nlohmann/json.hpp>

#include "controller/update_commands.h"
#include "exporter/json_depth.h"

namespace spark {
namespace {

// The interval is read again at least this often, so a changed configuration counts soon.
constexpr Duration kRereadConfig = std::chrono::minutes(1);
constexpr Duration kVersionTimeout = std::chrono::seconds(2);
constexpr size_t kMaxVersionBody = 4096;
constexpr size_t kMaxVersionBytes = 128;

}  // namespace

struct UpdateMonitor::Round {
  WallTime began{};
  std::optional<Result<CheckoutReport>> checkout;  // full rounds only
  std::vector<std::pair<std::string, Result<std::map<std::string, std::optional<ImageRef>>>>>
      images;
  std::optional<std::string> vllm_version;
};

UpdateMonitor::UpdateMonitor(UpdateMonitorDeps deps, bool check_at_start)
    : deps_(std::move(deps)),
      pending_full_(check_at_start),
      runs_(deps_.executor),
      thread_([this] { Loop(); }) {}

UpdateMonitor::~UpdateMonitor() {
  Wake(stop_);
  runs_.Stop();
  thread_.join();
}

void UpdateMonitor::Wake(bool& flag) {
  {
    std::lock_guard lock(mu_);
    flag = true;
  }
  cv_.notify_all();
}

void UpdateMonitor::RefreshSoon() { Wake(pending_full_); }

void UpdateMonitor::RefreshImagesSoon() { Wake(pending_images_); }

UpdateStatus UpdateMonitor::CheckNow(Duration wait) {
  bool ended = false;
  {
    std::unique_lock lock(mu_);
    const uint64_t target = full_started_ + 1;  // the next round to begin
    pending_full_ = true;
    cv_.notify_all();
    ended = deps_.clock.WaitUntil(lock, cv_, deps_.clock.Now() + wait,
                                  [&] { return stop_ || full_finished_ >= target; });
  }
  UpdateStatus status = Snapshot();
  if (!ended) {
    status.error = "the check did not end within " +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) +
                   " s; GET /api/update shows its result once it has";
  }
  return status;
}

UpdateStatus UpdateMonitor::Snapshot() const {
  const ConfigPtr config = deps_.config();
  UpdateStatus status;
  {
    std::lock_guard lock(mu_);
    status = status_;
  }
  const std::vector<std::string> sparks =
      config ? ConfiguredSparks(*config) : std::vector<std::string>{};
  auto only_configured = [&](std::map<std::string, std::optional<ImageRef>>& images) {
    std::map<std::string, std::optional<ImageRef>> kept;
    for (const std::string& spark : sparks) {
      const auto it = images.find(spark);
      kept[spark] = it == images.end() ? std::nullopt : it->second;
    }
    images = std::move(kept);
  };
  only_configured(status.images);
  only_configured(status.previous);
  return status;
}

uint64_t UpdateMonitor::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

Duration UpdateMonitor::Interval() const {
  const ConfigPtr config = deps_.config();
  return config ? FromSeconds(config->update.check_interval_s) : Duration::zero();
}

void UpdateMonitor::Loop() {
  std::unique_lock lock(mu_);
  SteadyTime last_full = deps_.clock.Now();
  while (!stop_) {
    lock.unlock();
    const Duration interval = Interval();
    lock.lock();
    const SteadyTime now = deps_.clock.Now();
    const bool due = interval > Duration::zero() && now >= last_full + interval;
    if (!due && !pending_full_ && !pending_images_) {
      SteadyTime wake = now + kRereadConfig;
      if (interval > Duration::zero()) wake = std::min(wake, last_full + interval);
      deps_.clock.WaitUntil(lock, cv_, wake,
                            [&] { return stop_ || pending_full_ || pending_images_; });
      continue;
    }
    const bool full = due || pending_full_;
    pending_full_ = false;
    pending_images_ = false;
    if (full) ++full_started_;
    lock.unlock();
    const SteadyTime began = deps_.clock.Now();
    const bool finished = RunRound(full);
    lock.lock();
    if (!finished) break;
    if (full) {
      last_full = began;
      ++full_finished_;
    }
    cv_.notify_all();  // CheckNow waits for its round here
  }
}

bool UpdateMonitor::RunRound(bool full) {
  ConfigPtr config = deps_.config();
  if (!config) config = std::make_shared<const Config>();
  const std::vector<std::string> sparks = ConfiguredSparks(*config);
  const UpdateCommands commands(config->remote.vllm_docker_dir);
  const RemoteCommandLine inspect = commands.Images();
  Round round;
  round.began = deps_.clock.WallNow();
  // Side by side: a Spark that does not answer holds up no other (at most limits.max_sparks).
  std::vector<CollectedOutput> inspected(sparks.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < sparks.size(); ++i) {
    threads.emplace_back([&, i] { inspected[i] = runs_.Collect(sparks[i], inspect); });
  }
  CollectedOutput checked;
  const std::string& head = config->vllm.spark;
  const auto check = commands.Check();  // outlives the thread that runs it
  if (full) {
    const auto spark = config->sparks.find(head);
    if (spark == config->sparks.end() || !spark->second.host) {
      round.checkout = Status::Error(ErrorCode::kNotConfigured,
                                     head + " has no host: configure the Sparks first");
    } else if (!check.ok()) {
      round.checkout = check.status();
    } else {
      threads.emplace_back([&] { checked = runs_.Collect(head, *check); });
    }
  }
  round.vllm_version = VllmVersion(*config);
  for (std::thread& t : threads) t.join();
  if (full && !round.checkout) {
    round.checkout = checked.outcome.status.ok() ? ParseCheckoutReport(checked.StdoutText())
                                                 : Result<CheckoutReport>(checked.outcome.status);
  }
  for (size_t i = 0; i < sparks.size(); ++i) {
    const CollectedOutput& out = inspected[i];
    round.images.emplace_back(
        sparks[i], out.outcome.status.ok() ? ParseImageReport(out.StdoutText())
                                           : Result<std::map<std::string, std::optional<ImageRef>>>(
                                                 out.outcome.status));
  }
  runs_.Clear();
  {
    std::lock_guard lock(mu_);
    if (stop_) return false;
    Record(round, full);
  }
  if (deps_.changes != nullptr) deps_.changes->Bump();  // outside the lock: waiters read us
  return true;
}

void UpdateMonitor::Record(const Round& round, bool full) {
  if (full) {
    status_.checked_at = round.began;
    if (round.checkout->ok()) {
      const CheckoutReport& report = round.checkout->value();
      status_.checkout = report;
      status_.state = CheckoutState(report);
      status_.error = report.fetched ? ""
                                     : "git fetch failed: " + report.fetch_error +
                                           " (behind counts the upstream as last fetched)";
    } else {
      status_.error = round.checkout->status().message();  // the last good checkout stays
    }
  }
  std::map<std::string, std::optional<ImageRef>> images, previous;
  for (const auto& [spark, report] : round.images) {
    if (report.ok()) {
      images[spark] = ImageTagged(*report, kLaunchImage);
      previous[spark] = ImageTagged(*report, kPreviousImage);
    } else {  // an inspect that failed keeps what was known
      images[spark] = status_.images[spark];
      previous[spark] = status_.previous[spark];
    }
  }
  status_.images = std::move(images);  // a Spark no longer configured is dropped
  status_.previous = std::move(previous);
  status_.images_at = round.began;
  status_.vllm_version = round.vllm_version;
  ++version_;
}

std::optional<std::string> UpdateMonitor::VllmVersion(const Config& config) const {
  const auto host = config.VllmHttpHost();
  if (!host || !deps_.http) return std::nullopt;
  const auto client = deps_.http();
  if (!client) return std::nullopt;
  HttpRequest request;
  request.url = "http://" + *host + ":" + std::to_string(config.vllm.port) + "/version";
  request.timeout = kVersionTimeout;
  request.max_body_bytes = kMaxVersionBody;
  const HttpResult result = client->Send(request);
  if (!result.ok() || result.response().status != 200) return std::nullopt;
  const std::string& body = result.response().body;
  if (NestedDeeperThan(body, kMaxJsonDepth)) return std::nullopt;
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  const auto version = parsed.find("version");
  if (version == parsed.end() || !version->is_string()) return std::nullopt;
  const std::string& text = version->get_ref<const std::string&>();
  if (text.empty() || text.size() > kMaxVersionBytes) return std::nullopt;
  return text;
}

}  // namespace spark
