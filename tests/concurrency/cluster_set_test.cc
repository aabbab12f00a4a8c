// Clusters added and removed live (PUT /api/config) while requests read them and Prometheus
// scrapes: a reader holds a cluster it found until it is done, /metrics never shows a
// half-added or half-removed cluster's families twice, and nothing races.
#include "web/cluster_set.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "demo/simulated_executor.h"
#include "support/process.h"
#include "support/refusing_http.h"

namespace spark {
namespace {

TEST(ClusterSetConcurrency, ReadersAndScrapesSeeWholeClustersWhileTheyComeAndGo) {
  const SystemClock clock;
  test::TempDir dir;
  ChangeFeed changes;
  EventLog events({}, clock);
  auto catalog =
      std::move(Catalog::Open(BundledCatalogYaml(), "models.yaml", dir.path(), clock)).value();
  Config root;
  root.cluster = "lab";
  root.probe.interval_s = 0.05;
  root.probe.timeout_s = 0.02;
  Scraper scraper([] { return std::string("lab"); }, clock);
  ClusterEnvironment env{clock,
                         events,
                         *catalog,
                         changes,
                         dir.path(),
                         test::RefusingHttpFactory(),
                         [&clock](const Config&) {
                           auto simulated = std::make_unique<SimulatedExecutor>(clock, 0.0);
                           AddSparkVllmDockerRules(*simulated);
                           return ExecutorChoice{std::move(simulated), {}};
                         },
                         "1.0",
                         "abc"};
  env.heartbeat_interval = Duration::zero();
  ClusterSet set(std::move(env), scraper);
  set.Apply(root);

  std::atomic<bool> stop{false};
  std::atomic<int> found{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      for (int i = 0; i < 100000 && !stop; ++i) {
        if (auto prod = set.Find("prod"); prod.ok()) {
          (void)(*prod)->poller().Current();
          (void)(*prod)->controller().RunningJobs();
          (void)(*prod)->config()->cluster;
          ++found;
        }
        const std::string text = *scraper.Render();
        const size_t first = text.find("# HELP spark_control_service_up ");
        ASSERT_NE(first, std::string::npos);
        ASSERT_EQ(text.find("# HELP spark_control_service_up ", first + 1), std::string::npos);
      }
    });
  }
  ClusterConfig prod;
  prod.name = "prod";
  // prod comes and goes at least 20 times, and until the readers have met it 20 times (bounded:
  // 2,000 rounds or 10 s).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int round = 0; round < 2000 && std::chrono::steady_clock::now() < give_up; ++round) {
    if (round >= 20 && round % 2 == 0 && found >= 20) break;
    root.clusters =
        round % 2 == 0 ? std::vector<ClusterConfig>{prod} : std::vector<ClusterConfig>{};
    set.Apply(root);
    if (round % 2 == 0) std::this_thread::yield();  // let the readers meet it
  }
  root.clusters.clear();
  set.Apply(root);
  stop = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(set.All().size(), 1u);
  EXPECT_GE(found.load(), 20) << "the readers hardly met prod: the test proved little";
}

}  // namespace
}  // namespace spark
