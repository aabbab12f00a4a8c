// The /metrics render cache on a fake clock: a scrape of unchanged state re-renders nothing, a
// probe that changes a service's state re-renders at once, a probe that only adds a duration
// sample shows within a second, and process_* comes from /proc at most once a second.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "exporter/metrics.h"
#include "exporter/poller.h"
#include "support/fake_clock.h"

namespace spark {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Answers every request with 200, or refuses it while `down` is set.
class SwitchableHealth final : public HttpClient {
 public:
  explicit SwitchableHealth(const std::atomic<bool>& down) : down_(down) {}
  HttpResult Send(const HttpRequest&) override {
    if (down_) return HttpFailure{FailureReason::kRefused, "connection refused"};
    return HttpResponse{200, ""};
  }

 private:
  const std::atomic<bool>& down_;
};

class MetricsRenderCacheTest : public ::testing::Test {
 protected:
  MetricsRenderCacheTest() : events_({}, clock_) {}

  std::unique_ptr<Poller> StartPoller() {
    PollerOptions options;
    options.interval = milliseconds(500);
    options.timeout = milliseconds(400);
    auto poller = std::make_unique<Poller>(
        options, [this] { return std::make_unique<SwitchableHealth>(down_); }, events_, clock_);
    ProbeTarget target;
    target.service = "parakeet";
    target.kind = "stt";
    target.host = "127.0.0.1";
    target.port = 9;
    poller->SetTargets({target});
    return poller;
  }

  // Real time, bounded: until parakeet was probed `probes` times and its monitor sleeps again.
  ::testing::AssertionResult AwaitProbes(Poller& poller, size_t probes) {
    const SystemClock real;
    const SteadyTime limit = real.Now() + seconds(10);
    uint64_t seen = 0;
    while (real.Now() < limit) {
      const auto snapshot = poller.Current();
      if (snapshot->services.at("parakeet").history.size() >= probes) {
        if (clock_.AwaitWaiters(1)) return ::testing::AssertionSuccess();
        break;
      }
      seen = poller.feed().WaitNewer(seen, real, limit, [] { return false; });
    }
    return ::testing::AssertionFailure() << "parakeet was not probed " << probes << " times";
  }

  // Starts the poller, waits for its first probe and renders /metrics of it once.
  std::shared_ptr<const std::string> FirstRender() {
    poller_ = StartPoller();
    EXPECT_TRUE(AwaitProbes(*poller_, 1));
    scraper_.Add(MakeServiceMetrics(*poller_));
    return scraper_.Render();
  }

  test::FakeClock clock_;
  EventLog events_;
  std::atomic<bool> down_{false};
  Scraper scraper_{[] { return "lab"; }, clock_};
  std::unique_ptr<Poller> poller_;
};

bool Shows(const std::string& text, const std::string& sample) {
  return text.find(sample + "\n") != std::string::npos;
}

TEST_F(MetricsRenderCacheTest, ScrapesOfUnchangedStateShareOneRender) {
  const auto first = FirstRender();
  clock_.Advance(milliseconds(400));  // less than the probe interval: nothing was probed
  const auto second = scraper_.Render();
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(scraper_.renders(), 1u);
  EXPECT_TRUE(Shows(
      *first, "spark_control_service_up{cluster=\"lab\",service=\"parakeet\",kind=\"stt\"} 1"))
      << *first;
}

TEST_F(MetricsRenderCacheTest, ASameResultProbeShowsItsSampleWithinASecond) {
  const auto first = FirstRender();
  const std::string count = "spark_control_probe_duration_seconds_count{cluster=\"lab\",service=";
  EXPECT_TRUE(Shows(*first, count + "\"parakeet\"} 1")) << *first;
  const uint64_t state = poller_->Current()->state_version;

  clock_.Advance(milliseconds(500));
  ASSERT_TRUE(AwaitProbes(*poller_, 2));
  EXPECT_EQ(poller_->Current()->state_version, state) << "the same result is the same state";
  EXPECT_EQ(scraper_.Render().get(), first.get()) << "half a second after the render";

  clock_.Advance(milliseconds(500));
  ASSERT_TRUE(AwaitProbes(*poller_, 3));
  const auto later = scraper_.Render();
  EXPECT_NE(later.get(), first.get());
  EXPECT_TRUE(Shows(*later, count + "\"parakeet\"} 3")) << *later;
  EXPECT_EQ(scraper_.renders(), 2u);
}

TEST_F(MetricsRenderCacheTest, AProbeThatChangesTheStateRerendersAtOnce) {
  const auto up = FirstRender();
  down_ = true;
  clock_.Advance(milliseconds(500));
  ASSERT_TRUE(AwaitProbes(*poller_, 2));
  const auto down = scraper_.Render();  // half a second after the first render
  EXPECT_NE(down.get(), up.get());
  EXPECT_TRUE(
      Shows(*down, "spark_control_service_up{cluster=\"lab\",service=\"parakeet\",kind=\"stt\"} 0"))
      << *down;
  EXPECT_TRUE(Shows(*down,
                    "spark_control_probe_failures_total{cluster=\"lab\",service=\"parakeet\","
                    "reason=\"refused\"} 1"))
      << *down;
  EXPECT_EQ(scraper_.renders(), 2u);
}

TEST_F(MetricsRenderCacheTest, ProcessMetricsReadProcAtMostOnceASecond) {
  scraper_.Add(MakeProcessMetrics(clock_));
  const auto before = scraper_.Render();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const auto within = scraper_.Render();  // the same second: the cached sample
  EXPECT_EQ(within.get(), before.get());
  clock_.Advance(seconds(1));
  const auto after = scraper_.Render();
  close(fds[0]);
  close(fds[1]);
  EXPECT_NE(after.get(), before.get()) << "two more open fds after a second";
  EXPECT_EQ(scraper_.renders(), 2u);
  auto open_fds = [](const std::string& text) {
    const std::string key = "\nprocess_open_fds ";
    return std::stod(text.substr(text.find(key) + key.size()));
  };
  EXPECT_GE(open_fds(*after), open_fds(*before) + 2);
}

TEST_F(MetricsRenderCacheTest, AClusterRenameRerendersAtOnce) {
  std::atomic<bool> renamed{false};
  Scraper scraper([&renamed] { return renamed ? "lab2" : "lab"; }, clock_);
  scraper.Add(MakeBuildInfoMetrics("1.0", "abc"));
  const auto first = scraper.Render();
  renamed = true;
  const auto second = scraper.Render();
  EXPECT_NE(first.get(), second.get());
  EXPECT_NE(second->find("cluster=\"lab2\""), std::string::npos) << *second;
}

}  // namespace
}  // namespace spark
