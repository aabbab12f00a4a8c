// The cache index under contention: readers take snapshots while other threads ask for
// rescans, the configuration loses and regains a Spark, the fake clock moves and scans end on
// the executor's threads; then it is destroyed with scans under way. Readers only ever see
// configured Sparks and listings that move forward in time.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "controller/cache_index.h"
#include "demo/simulated_executor.h"
#include "support/fake_clock.h"
#include "support/spark_configs.h"

namespace spark {
namespace {

using std::chrono::seconds;

TEST(CacheIndexContention, ReadersSeeConfiguredSparksAndListingsThatOnlyMoveForward) {
  test::FakeClock clock;
  SimulatedExecutor executor(clock);
  executor.On("spark-control-cache-scan", [](const RemoteCommand& command) {
    SimulatedScript script = SimulatedScript::Print(
        {"path /h/hub", "free 100", "model models--org--" + command.spark + " 1 2 - 0"});
    script.lines.front().delay = seconds(1);
    return script;
  });
  test::SparkConfigs config({"spark1", "spark2"});
  auto index = std::make_unique<CacheIndex>(
      CacheIndexDeps{executor, [&config] { return config.Get(); }, clock}, seconds(30));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<int> scanned_seen{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&] {
      WallTime last{};
      for (int i = 0; i < 200000 && !stop; ++i) {
        const auto snapshot = index->Snapshot();
        if (snapshot.size() > 2 || !snapshot.contains("spark1")) {
          ++bad;
          continue;
        }
        const SparkCache& one = snapshot.at("spark1");
        if (one.scanned_at) {
          if (*one.scanned_at < last || !one.scan) ++bad;
          ++scanned_seen;
          last = *one.scanned_at;
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 200000 && !stop; ++i) index->RefreshSoon();
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 200000 && !stop; ++i) {
      config.SetSparks(i % 2 == 0 ? std::vector<std::string>{"spark1", "spark2"}
                                  : std::vector<std::string>{"spark1"});
    }
  });
  // Moves the clock, each time once something sleeps on it, until spark1 has been scanned 20
  // times (bounded: 5,000 steps or 20 s).
  const auto limit = std::chrono::steady_clock::now() + seconds(20);
  size_t scans = 0;
  for (int step = 0; step < 5000 && scans < 20 && std::chrono::steady_clock::now() < limit;
       ++step) {
    clock.AwaitWaiters(1, std::chrono::milliseconds(50));
    clock.Advance(seconds(1));
    scans = 0;
    for (const auto& command : executor.commands()) scans += command.spark == "spark1";
  }
  EXPECT_GE(scans, 20u);
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(scanned_seen.load(), 0);
  index->RefreshSoon();
  index.reset();  // a scan under way (its clock stands still): cancelled and joined
}

}  // namespace
}  // namespace spark
