#pragma once
// A Controller wired to the simulated cluster (what --demo runs), for the controller's unit
// and concurrency tests: vLLM's HTTP side follows what the simulated cluster serves.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/catalog.h"
#include "controller/config_store.h"
#include "controller/controller.h"
#include "demo/simulated_executor.h"
#include "support/model_names.h"
#include "support/process.h"

namespace spark::test {

// vLLM's HTTP side as the simulated cluster leaves it: serving `served` (empty = down).
struct ServedModel {
  std::mutex mu;
  std::string served = kQwen36;
  void Set(const std::optional<std::string>& model) {
    std::lock_guard lock(mu);
    served = model.value_or("");
  }
  std::string Get() {
    std::lock_guard lock(mu);
    return served;
  }
};

class FakeVllmHttp final : public HttpClient {
 public:
  explicit FakeVllmHttp(ServedModel& served) : served_(served) {}
  HttpResult Send(const HttpRequest& request) override {
    const std::string model = served_.Get();
    if (model.empty()) return HttpFailure{FailureReason::kRefused, "connection refused"};
    if (request.url.ends_with("/health")) return HttpResponse{200, ""};
    return HttpResponse{200,
                        nlohmann::json{{"object", "list"}, {"data", {{{"id", model}}}}}.dump()};
  }

 private:
  ServedModel& served_;
};

// On the real clock with the cluster's delays at 1/50, or on a fake clock the test moves.
template <typename ClockType>
class ControllerFixture : public ::testing::Test {
 protected:
  ControllerFixture() {
    SimulatedCluster cluster;
    cluster.startup = std::chrono::seconds(4);  // × 0.02
    cluster.on_served_model = [this](const std::optional<std::string>& m) { served_.Set(m); };
    AddSparkVllmDockerRules(executor_, cluster);
    ConfigSources sources;
    sources.overlay_file = dir_ / "config.yaml";
    sources.demo = {
        {"sparks", {{"spark1", {{"host", "10.0.0.1"}}}, {"spark2", {{"host", "10.0.0.2"}}}}}};
    config_ = std::move(ConfigStore::Open(std::move(sources), clock_)).value();
    catalog_ =
        std::move(Catalog::Open(BundledCatalogYaml(), "models.yaml", dir_.path(), clock_)).value();
    controller_ = std::make_unique<Controller>(Deps(), dir_ / "jobs.jsonl");
  }

  // The controller's dependencies: the simulated cluster, vLLM's HTTP side following it, the
  // probe requests recorded.
  ControllerDeps Deps() {
    return ControllerDeps{executor_,
                          *catalog_,
                          [this] { return config_->Current(); },
                          clock_,
                          [this] { return std::make_unique<FakeVllmHttp>(served_); },
                          [this](const std::string& s) {
                            std::lock_guard lock(probed_mu_);
                            probed_.push_back(s);
                          },
                          [this]() -> std::optional<std::string> {
                            if (on_served_read_) on_served_read_();
                            const std::string m = served_.Get();
                            return m.empty() ? std::nullopt : std::optional(m);
                          },
                          std::chrono::milliseconds(20)};
  }

  // A new Controller on the same jobs.jsonl (as after a restart), following detached work
  // quickly: a poll every 10 ms, a lost link waited out for 5 s.
  void Restart() {
    controller_.reset();
    ControllerDeps deps = Deps();
    deps.detached_poll_interval = std::chrono::milliseconds(10);
    deps.detached_link_grace = std::chrono::seconds(5);
    controller_ = std::make_unique<Controller>(std::move(deps), dir_ / "jobs.jsonl");
  }

  JobInfo Wait(const std::string& id) { return Wait(*controller_, id); }
  static JobInfo Wait(const Controller& controller, const std::string& id) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      const auto job = controller.Job(id);
      if (job && IsFinished(job->state)) return *job;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "job " << id << " did not finish";
    return *controller.Job(id);
  }
  std::vector<std::string> Commands() {
    std::vector<std::string> out;
    for (const auto& c : executor_.commands()) {
      if (c.line != "true") out.push_back(c.spark + ": " + c.line.substr(0, c.line.find(" --")));
    }
    return out;
  }

  ClockType clock_;
  test::TempDir dir_;
  ServedModel served_;
  SimulatedExecutor executor_{clock_, 0.02};
  std::unique_ptr<ConfigStore> config_;
  std::unique_ptr<Catalog> catalog_;
  // Written by job threads (two service jobs may probe at once), read after they finished.
  std::mutex probed_mu_;
  std::vector<std::string> probed_;
  std::function<void()> on_served_read_;  // set by a test before the controller runs it
  std::unique_ptr<Controller> controller_;
};

}  // namespace spark::test
