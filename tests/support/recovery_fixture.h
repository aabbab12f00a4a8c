#pragma once
// A RecoveryLoop over the simulated cluster (ControllerFixture: the controller's jobs on the
// real clock, delays at 1/50), with its own FakeClock for the tick, backoff and window; the
// probes are what the test sets (vLLM follows what the simulated cluster serves unless the test
// killed it), and each container's inspect prints what the test scripted.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/recovery_loop.h"
#include "exporter/event_log.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/simulated_controller.h"

namespace spark::test {

class RecoveryFixture : public ControllerFixture<SystemClock> {
 protected:
  RecoveryFixture() {
    executor_.On(": spark-control-inspect", [this](const RemoteCommand& c) { return Inspect(c); });
  }
  ~RecoveryFixture() override { loop_.reset(); }  // before the controller it uses

  void StartLoop() {
    loop_ = std::make_unique<RecoveryLoop>(
        RecoveryDeps{executor_, *controller_, [this] { return LoopConfig(); }, loop_clock_,
                     [this] { return Services(); }, events_, "default", &changes_});
  }

  // vLLM serving qwen36 after a user's swap (what recovery relaunches).
  void ServeQwen() {
    auto job = controller_->Swap("qwen36");
    ASSERT_TRUE(job.ok()) << job.status().message();
    ASSERT_EQ(Wait(job->id).state, JobState::kSucceeded);
  }

  ConfigPtr LoopConfig() {
    auto config = std::make_shared<Config>(*config_->Current());
    std::lock_guard lock(mu_);
    config->recovery = recovery_;
    return config;
  }

  // What the inspect of `container` prints: `status` as docker's state line (plus the boot
  // time a day before now, and the engine flag for vLLM).
  void SetContainer(const std::string& container, const std::string& state,
                    bool engine_dead = false) {
    const auto boot = std::chrono::duration_cast<std::chrono::seconds>(
        loop_clock_.WallNow().time_since_epoch() - std::chrono::hours(24));
    SetInspect(container,
               SimulatedScript::Print({"boot " + std::to_string(boot.count()), "container " + state,
                                       engine_dead ? "engine_dead 1" : "engine_dead 0",
                                       "spark-control-inspect-end"}));
  }
  void SetInspect(const std::string& container, SimulatedScript script) {
    std::lock_guard lock(mu_);
    inspect_[container] = std::move(script);
  }
  int Inspects(const std::string& container) {
    std::lock_guard lock(mu_);
    return inspects_[container];
  }

  // A speech service's probe (vLLM's follows the simulated cluster, see KillVllm).
  void SetUp(const std::string& service, bool up) {
    std::lock_guard lock(mu_);
    SetLocked(service, up);
  }
  // vLLM stops answering while the simulated cluster still thinks it serves.
  void KillVllm() { served_.Set(std::nullopt); }

  // True once `done` holds, waking the loop meanwhile (every 10 ms, at most 10 s).
  bool Settles(const std::function<bool()>& done) {
    return Eventually([&] {
      loop_->Wake();
      return done();
    });
  }
  RecoveryStatus StatusOf(const std::string& service) { return loop_->Snapshot()[service]; }
  std::vector<ConnectivityEvent> RecoveryEvents(const std::string& service) {
    EventQuery query;
    query.service = service;
    query.type = EventType::kRecovery;
    query.since = 0;
    return events_.Find(query);
  }
  std::vector<JobInfo> RecoveryJobs() {
    std::vector<JobInfo> jobs = controller_->Jobs();
    std::erase_if(jobs, [](const JobInfo& j) { return j.trigger != JobTrigger::kRecovery; });
    return jobs;
  }

  FakeClock loop_clock_;
  EventLog events_{EventLogOptions{}, loop_clock_};
  ChangeFeed changes_;
  std::mutex mu_;  // guards the members below (read on the loop's and the executor's threads)
  RecoveryConfig recovery_;
  std::unique_ptr<RecoveryLoop> loop_;

 private:
  struct Probe {
    bool up = true;
    WallTime since{};
  };

  SimulatedScript Inspect(const RemoteCommand& command) {
    std::lock_guard lock(mu_);
    for (const auto& [container, script] : inspect_) {
      if (command.line.find("spark-control-inspect name=" + container + ";") == std::string::npos) {
        continue;
      }
      ++inspects_[container];
      return script;
    }
    return SimulatedScript::Print({"boot -", "container missing", "spark-control-inspect-end"});
  }

  SnapshotPtr Services() {
    const bool vllm_up = !served_.Get().empty();
    std::lock_guard lock(mu_);
    SetLocked("vllm", vllm_up);
    auto snapshot = std::make_shared<Snapshot>();
    for (const auto& [service, probe] : probes_) {
      ServiceState& state = snapshot->services[service];
      state.up = probe.up;
      state.reason = FailureReason::kRefused;  // read only while down
      state.last_change = probe.since;
    }
    return snapshot;
  }
  void SetLocked(const std::string& service, bool up) {
    const auto it = probes_.find(service);
    if (it == probes_.end() || it->second.up != up) probes_[service] = {up, loop_clock_.WallNow()};
  }

  std::map<std::string, SimulatedScript> inspect_;
  std::map<std::string, int> inspects_;
  std::map<std::string, Probe> probes_ = {{"parakeet", {}}, {"magpie", {}}};
};

}  // namespace spark::test
