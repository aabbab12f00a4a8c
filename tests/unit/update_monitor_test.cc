// The update monitor (GET /api/update reads it) on a fake clock against the simulated
// executor: the checkout's state and commits, every Spark's images (mismatch, previous), the
// vLLM version (null while vLLM is down), a failed check keeping the last good one, the interval
// from the configuration (0 = only when asked), CheckNow joining and giving up, images-only
// refreshes, and the commits-behind metric.
#include "controller/update_monitor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/update_metrics.h"
#include "demo/simulated_executor.h"
#include "support/eventually.h"
#include "support/fake_clock.h"

namespace spark {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kCheckMarker[] = "spark-control-update-check";
constexpr char kImageMarker[] = "spark-control-image";
const std::string kLocalSha(40, 'a');
const std::string kUpstreamSha(40, 'b');
const std::string kNewImage = "sha256:" + std::string(64, '1');
const std::string kOldImage = "sha256:" + std::string(64, '2');

// GET /version of a vLLM that is up (with `body`) or down.
class VersionHttp final : public HttpClient {
 public:
  struct State {
    std::mutex mu;
    bool up = true;
    std::string body = R"({"version": "0.11.1"})";
    std::vector<std::string> urls;
  };
  explicit VersionHttp(State& state) : state_(state) {}
  HttpResult Send(const HttpRequest& request) override {
    std::lock_guard lock(state_.mu);
    state_.urls.push_back(request.url);
    if (!state_.up) return HttpFailure{FailureReason::kRefused, "connection refused"};
    return HttpResponse{200, state_.body};
  }

 private:
  State& state_;
};

class UpdateMonitorTest : public ::testing::Test {
 protected:
  UpdateMonitorTest() {
    SetInterval(21600);
    executor_.On(kImageMarker, [this](const RemoteCommand& c) { return ImagesOf(c.spark); });
    executor_.On(kCheckMarker, [this](const RemoteCommand&) { return CheckOutput(); });
  }

  void SetInterval(double interval_s) {
    auto config = std::make_shared<Config>();
    config->sparks["spark1"].host = "10.0.0.1";
    config->sparks["spark2"].host = "10.0.0.2";
    config->update.check_interval_s = interval_s;
    std::lock_guard lock(mu_);
    config_ = std::move(config);
  }
  ConfigPtr Config_() {
    std::lock_guard lock(mu_);
    return config_;
  }

  SimulatedScript CheckOutput() {
    std::lock_guard lock(mu_);
    if (check_fails_) {
      return SimulatedScript::Fail(Status::Error(ErrorCode::kSshUnreachable, "spark1 is away"));
    }
    SimulatedScript script = SimulatedScript::Print(
        {"fetch ok", "branch main", "local " + kLocalSha, "upstream origin/main " + kUpstreamSha,
         "dirty 0", "behind " + std::to_string(behind_), "ahead 0",
         "commit " + kUpstreamSha + " 2026-11-29T10:00:00+00:00 Add the Qwen3.6 recipe",
         "spark-control-update-check-end"});
    if (check_hangs_) script.end = SimulatedScript::End::kHang;
    return script;
  }

  SimulatedScript ImagesOf(const std::string& spark) {
    std::lock_guard lock(mu_);
    const std::string id = spark == "spark2" ? spark2_image_ : kNewImage;
    const std::string previous =
        spark == "spark1" ? "image vllm-node:previous " + kOldImage + " 2026-11-20T08:00:00.5Z"
                          : "image vllm-node:previous -";
    return SimulatedScript::Print(
        {"image vllm-node " + id + " 2026-11-28T09:30:00.123456789Z", previous});
  }

  std::unique_ptr<UpdateMonitor> MakeMonitor(bool check_at_start = true) {
    return std::make_unique<UpdateMonitor>(
        UpdateMonitorDeps{executor_, [this] { return Config_(); }, clock_,
                          [this] { return std::make_unique<VersionHttp>(http_); }},
        check_at_start);
  }

  size_t Ran(const std::string& marker) const {
    size_t n = 0;
    for (const auto& command : executor_.commands()) {
      n += command.line.find(marker) != std::string::npos;
    }
    return n;
  }
  size_t Checks() const { return Ran(kCheckMarker); }
  size_t Inspects() const { return Ran(kImageMarker); }

  test::FakeClock clock_;
  SimulatedExecutor executor_{clock_};
  VersionHttp::State http_;
  std::mutex mu_;  // guards the fields below (read on the executor's threads)
  ConfigPtr config_;
  int behind_ = 3;
  bool check_fails_ = false;
  bool check_hangs_ = false;
  std::string spark2_image_ = kNewImage;
};

TEST_F(UpdateMonitorTest, TheStartCheckReportsTheCheckoutImagesAndVersion) {
  const WallTime start = clock_.WallNow();
  auto monitor = MakeMonitor();
  const UpdateStatus status = monitor->CheckNow();
  EXPECT_EQ(status.state, "behind");
  EXPECT_EQ(status.error, "");
  EXPECT_EQ(status.checked_at, start);
  ASSERT_TRUE(status.checkout.has_value());
  EXPECT_EQ(status.checkout->behind, 3);
  EXPECT_EQ(status.checkout->branch, "main");
  ASSERT_EQ(status.checkout->commits.size(), 1u);
  EXPECT_EQ(status.checkout->commits[0].subject, "Add the Qwen3.6 recipe");
  ASSERT_EQ(status.images.size(), 2u);
  EXPECT_EQ(status.images.at("spark1")->id, kNewImage);
  EXPECT_EQ(status.images.at("spark2")->id, kNewImage);
  EXPECT_EQ(status.images.at("spark1")->created, "2026-11-28T09:30:00.123456789Z");
  EXPECT_EQ(status.previous.at("spark1")->id, kOldImage);
  EXPECT_FALSE(status.previous.at("spark2").has_value());
  EXPECT_EQ(status.vllm_version, "0.11.1");
  EXPECT_EQ(status.images_at, start);
  {
    std::lock_guard lock(http_.mu);
    ASSERT_FALSE(http_.urls.empty());
    EXPECT_EQ(http_.urls.back(), "http://10.0.0.1:8888/version");
  }
  // CheckNow after the start check ran one more full round (it joins only rounds after it).
  EXPECT_GE(Checks(), 1u);
}

TEST_F(UpdateMonitorTest, AFailedCheckKeepsTheLastGoodOneWithItsError) {
  auto monitor = MakeMonitor();
  ASSERT_EQ(monitor->CheckNow().state, "behind");
  {
    std::lock_guard lock(mu_);
    check_fails_ = true;
    behind_ = 9;
  }
  clock_.Advance(minutes(5));
  const WallTime second = clock_.WallNow();
  const UpdateStatus status = monitor->CheckNow();
  EXPECT_NE(status.error.find("spark1 is away"), std::string::npos) << status.error;
  EXPECT_EQ(status.state, "behind");  // as of the last good check
  ASSERT_TRUE(status.checkout.has_value());
  EXPECT_EQ(status.checkout->behind, 3);
  EXPECT_EQ(status.checked_at, second);
  // The next good check clears the error.
  {
    std::lock_guard lock(mu_);
    check_fails_ = false;
    behind_ = 0;
  }
  const UpdateStatus again = monitor->CheckNow();
  EXPECT_EQ(again.error, "");
  EXPECT_EQ(again.state, "ok");
}

TEST_F(UpdateMonitorTest, ChecksEveryIntervalFromTheConfigurationAndNotBefore) {
  SetInterval(3600);
  auto monitor = MakeMonitor();
  ASSERT_TRUE(test::Eventually([&] { return monitor->Snapshot().checked_at.has_value(); }));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Checks(), 1u);
  clock_.Advance(minutes(59));
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // back asleep: not due yet
  EXPECT_EQ(Checks(), 1u);
  clock_.Advance(minutes(1));
  ASSERT_TRUE(test::Eventually([&] { return Checks() == 2; }));
  // 0: only when asked — a day goes by without a check.
  ASSERT_TRUE(test::Eventually([&] { return monitor->Snapshot().checked_at == clock_.WallNow(); }));
  SetInterval(0);
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  for (int i = 0; i < 24; ++i) {
    clock_.Advance(hours(1));
    ASSERT_TRUE(clock_.AwaitWaiters(1));
  }
  EXPECT_EQ(Checks(), 2u);
  EXPECT_EQ(monitor->CheckNow().state, "behind");
  EXPECT_EQ(Checks(), 3u);
}

TEST_F(UpdateMonitorTest, WithoutTheStartCheckNothingRunsUntilAsked) {
  SetInterval(0);
  auto monitor = MakeMonitor(/*check_at_start=*/false);
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  clock_.Advance(hours(2));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Checks(), 0u);
  EXPECT_EQ(monitor->Snapshot().state, "unknown");
  EXPECT_FALSE(monitor->Snapshot().checked_at.has_value());
  ASSERT_EQ(monitor->Snapshot().images.size(), 2u);  // every configured Spark, unknown yet
  EXPECT_FALSE(monitor->Snapshot().images.at("spark1").has_value());
  monitor->RefreshSoon();
  ASSERT_TRUE(test::Eventually([&] { return monitor->Snapshot().checkout.has_value(); }));
  EXPECT_EQ(Checks(), 1u);
}

TEST_F(UpdateMonitorTest, CheckNowGivesUpAfterItsWaitSayingSo) {
  {
    std::lock_guard lock(mu_);
    check_hangs_ = true;
  }
  SetInterval(0);
  auto monitor = MakeMonitor(/*check_at_start=*/false);
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  auto asked = std::async(std::launch::async, [&] { return monitor->CheckNow(seconds(10)); });
  // The loop's round waits for the hanging check; CheckNow and the check's deadline wait too.
  ASSERT_TRUE(test::Eventually([&] { return Checks() == 1; }));
  ASSERT_TRUE(clock_.AwaitWaiters(2));
  clock_.Advance(seconds(10));
  const UpdateStatus status = asked.get();
  EXPECT_NE(status.error.find("did not end within 10 s"), std::string::npos) << status.error;
  EXPECT_FALSE(status.checkout.has_value());
  monitor.reset();  // cancels the hanging check and joins, without the clock moving
}

TEST_F(UpdateMonitorTest, ImagesMismatchAndRefreshImagesSoonRunsNoGitFetch) {
  auto monitor = MakeMonitor();
  monitor->CheckNow();
  const size_t checks = Checks();
  const size_t inspects = Inspects();
  {
    std::lock_guard lock(mu_);
    spark2_image_ = kOldImage;  // a copy that did not finish
  }
  {
    std::lock_guard lock(http_.mu);
    http_.body = R"({"version": "0.11.2rc1.dev42"})";
  }
  monitor->RefreshImagesSoon();
  ASSERT_TRUE(test::Eventually([&] {
    const auto status = monitor->Snapshot();
    return status.images.at("spark2") && status.images.at("spark2")->id == kOldImage;
  }));
  EXPECT_EQ(Checks(), checks);
  EXPECT_EQ(Inspects(), inspects + 2);
  const UpdateStatus status = monitor->Snapshot();
  EXPECT_EQ(status.images.at("spark1")->id, kNewImage);
  EXPECT_EQ(status.vllm_version, "0.11.2rc1.dev42");
}

TEST_F(UpdateMonitorTest, TheVersionIsNullWhileVllmIsDownOrAnswersGarbage) {
  {
    std::lock_guard lock(http_.mu);
    http_.up = false;
  }
  auto monitor = MakeMonitor();
  EXPECT_FALSE(monitor->CheckNow().vllm_version.has_value());
  for (const char* body : {"not json", R"({"version": 11})",
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}) {
    {
      std::lock_guard lock(http_.mu);
      http_.up = true;
      http_.body = body;
    }
    EXPECT_FALSE(monitor->CheckNow().vllm_version.has_value()) << body;
  }
}

TEST_F(UpdateMonitorTest, ASparkRemovedFromTheConfigurationIsLeftOut) {
  auto monitor = MakeMonitor();
  ASSERT_EQ(monitor->CheckNow().images.size(), 2u);
  auto config = std::make_shared<Config>(*Config_());
  config->sparks["spark2"].host.reset();
  {
    std::lock_guard lock(mu_);
    config_ = std::move(config);
  }
  const UpdateStatus status = monitor->Snapshot();
  EXPECT_EQ(status.images.size(), 1u);
  EXPECT_EQ(status.previous.size(), 1u);
  EXPECT_TRUE(status.images.count("spark1"));
}

std::optional<double> BehindGauge(const MetricsSource& source) {
  Families families;
  source.Collect(families);
  for (const auto& family : families) {
    if (family.name != "spark_control_update_commits_behind") continue;
    if (family.metric.empty()) return std::nullopt;
    return family.metric.front().gauge.value;
  }
  ADD_FAILURE() << "no spark_control_update_commits_behind family";
  return std::nullopt;
}

TEST_F(UpdateMonitorTest, TheMetricShowsCommitsBehindOnlyWhenKnown) {
  SetInterval(0);
  auto monitor = MakeMonitor(/*check_at_start=*/false);
  const auto metrics = MakeUpdateMetrics(*monitor);
  EXPECT_EQ(BehindGauge(*metrics), std::nullopt);  // no check yet: no fake 0
  const uint64_t before = metrics->version();
  monitor->CheckNow();
  EXPECT_NE(metrics->version(), before);
  EXPECT_EQ(BehindGauge(*metrics), 3.0);
  {
    std::lock_guard lock(mu_);
    behind_ = 0;
  }
  monitor->CheckNow();
  EXPECT_EQ(BehindGauge(*metrics), 0.0);  // known: up to date
}

}  // namespace
}  // namespace spark
