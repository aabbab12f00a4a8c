// The in-memory index of the Sparks' Hugging Face caches (GET /api/cache reads it) on a fake
// clock against the simulated executor: the first scan, the periodic rescan, RefreshSoon
// coalescing, a failing Spark keeping its old listing with an error, a removed Spark gone, and
// reads that never wait on SSH.
#include "controller/cache_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "demo/simulated_executor.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/spark_configs.h"

namespace spark {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kScanMarker[] = "spark-control-cache-scan";

class CacheIndexTest : public ::testing::Test {
 protected:
  CacheIndexTest() {
    executor_.On(kScanMarker, [this](const RemoteCommand& command) { return ScanOf(command); });
  }

  // spark1 holds one model, spark2 another; a broken Spark fails its scan.
  SimulatedScript ScanOf(const RemoteCommand& command) {
    if (broken_.Get() == command.spark) {
      return SimulatedScript::Fail(
          Status::Error(ErrorCode::kSshUnreachable, command.spark + " cannot be reached"));
    }
    const std::string model = command.spark == "spark1" ? "models--acme--one" : "models--two";
    SimulatedScript script = SimulatedScript::Print(
        {"path /home/u/.cache/huggingface/hub", "free 3200000000000",
         "model " + model + " 1000 1795996800 3f2a9c1d7e5b4a6f8091a2b3c4d5e6f708192a3b 0"});
    if (slow_) script.lines.front().delay = seconds(1);
    return script;
  }

  std::unique_ptr<CacheIndex> MakeIndex() {
    return std::make_unique<CacheIndex>(
        CacheIndexDeps{executor_, [this] { return config_.Get(); }, clock_});
  }

  size_t Scans() const {
    size_t n = 0;
    for (const auto& command : executor_.commands())
      n += command.line.find(kScanMarker) != std::string::npos;
    return n;
  }

  // Until every configured Spark has a scan (or an error) stamped at `at` or later.
  bool ScannedSince(const CacheIndex& index, WallTime at) {
    return test::Eventually([&] {
      for (const auto& [spark, cache] : index.Snapshot()) {
        if (cache.error.empty() && !(cache.scanned_at && *cache.scanned_at >= at)) return false;
      }
      return true;
    });
  }

  test::FakeClock clock_;
  SimulatedExecutor executor_{clock_};
  test::SparkConfigs config_{{"spark1", "spark2"}};
  struct BrokenSpark {  // the Spark whose scans fail ("" = none); set by the test
    std::mutex mu;
    std::string spark;
    std::string Get() {
      std::lock_guard lock(mu);
      return spark;
    }
    void Set(std::string name) {
      std::lock_guard lock(mu);
      spark = std::move(name);
    }
  } broken_;
  std::atomic<bool> slow_{false};
};

TEST_F(CacheIndexTest, TheFirstScanListsEveryConfiguredSpark) {
  const WallTime start = clock_.WallNow();
  auto index = MakeIndex();
  ASSERT_TRUE(ScannedSince(*index, start));
  const auto snapshot = index->Snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  const SparkCache& one = snapshot.at("spark1");
  ASSERT_TRUE(one.scan.has_value());
  EXPECT_EQ(one.scan->path, "/home/u/.cache/huggingface/hub");
  EXPECT_EQ(one.scan->free_bytes, 3200000000000u);
  ASSERT_EQ(one.scan->models.size(), 1u);
  EXPECT_EQ(one.scan->models[0].hf_repo, "acme/one");
  EXPECT_EQ(one.scanned_at, start);
  EXPECT_EQ(one.error, "");
  EXPECT_EQ(snapshot.at("spark2").scan->models[0].hf_repo, "two");
  EXPECT_EQ(Scans(), 2u);
}

TEST_F(CacheIndexTest, ReadsNeverWaitForAScanUnderWay) {
  slow_ = true;  // the scans wait for the fake clock, which does not move
  auto index = MakeIndex();
  ASSERT_TRUE(test::Eventually([&] { return Scans() == 2; }));
  const auto snapshot = index->Snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  for (const auto& [spark, cache] : snapshot) {
    EXPECT_FALSE(cache.scan.has_value()) << spark;
    EXPECT_FALSE(cache.scanned_at.has_value()) << spark;
    EXPECT_EQ(cache.error, "") << spark;
  }
  index.reset();  // cancels the scans under way and joins, without the clock moving
}

TEST_F(CacheIndexTest, RescansEveryIntervalAndNotBefore) {
  auto index = MakeIndex();
  ASSERT_TRUE(ScannedSince(*index, clock_.WallNow()));
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  clock_.Advance(minutes(10) - seconds(1));
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // back asleep: not due yet
  EXPECT_EQ(Scans(), 2u);
  clock_.Advance(seconds(1));
  const WallTime due = clock_.WallNow();
  ASSERT_TRUE(ScannedSince(*index, due));
  EXPECT_EQ(Scans(), 4u);
  EXPECT_EQ(index->Snapshot().at("spark1").scanned_at, due);
}

TEST_F(CacheIndexTest, RefreshSoonDuringAScanMakesOneMoreScan) {
  slow_ = true;
  auto index = MakeIndex();
  ASSERT_TRUE(test::Eventually([&] { return Scans() == 2; }));
  for (int i = 0; i < 5; ++i) index->RefreshSoon();
  ASSERT_TRUE(clock_.AwaitWaiters(2));  // the two scans wait for their line
  clock_.Advance(seconds(1));
  ASSERT_TRUE(test::Eventually([&] { return Scans() == 4; }));  // the one rescan
  const WallTime second = clock_.WallNow();  // it began now: its listing is as of now
  ASSERT_TRUE(clock_.AwaitWaiters(2));
  clock_.Advance(seconds(1));
  ASSERT_TRUE(ScannedSince(*index, second));
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // the index sleeps until its interval
  EXPECT_EQ(Scans(), 4u);
  // Idle, RefreshSoon scans at once.
  slow_ = false;
  index->RefreshSoon();
  ASSERT_TRUE(test::Eventually([&] { return Scans() == 6; }));
}

TEST_F(CacheIndexTest, AFailingSparkKeepsItsLastListingWithTheError) {
  auto index = MakeIndex();
  const WallTime first = clock_.WallNow();
  ASSERT_TRUE(ScannedSince(*index, first));
  clock_.Advance(seconds(30));
  broken_.Set("spark2");
  index->RefreshSoon();
  ASSERT_TRUE(test::Eventually([&] { return !index->Snapshot().at("spark2").error.empty(); }));
  auto snapshot = index->Snapshot();
  const SparkCache& two = snapshot.at("spark2");
  EXPECT_EQ(two.error, "spark2 cannot be reached");
  ASSERT_TRUE(two.scan.has_value());
  EXPECT_EQ(two.scan->models[0].hf_repo, "two");
  EXPECT_EQ(two.scanned_at, first);  // when the listing shown was made
  EXPECT_EQ(snapshot.at("spark1").scanned_at, first + seconds(30));
  EXPECT_EQ(snapshot.at("spark1").error, "");
  // Answering again clears the error.
  broken_.Set("");
  index->RefreshSoon();
  ASSERT_TRUE(test::Eventually([&] { return index->Snapshot().at("spark2").error.empty(); }));
  EXPECT_EQ(index->Snapshot().at("spark2").scanned_at, first + seconds(30));
}

TEST_F(CacheIndexTest, AGarbledAnswerIsAnErrorAndAFirstFailureHasNoListing) {
  executor_.On(std::string(kScanMarker), [this](const RemoteCommand& command) {
    if (command.spark == "spark2") return SimulatedScript::Print({"bash: du: command not found"});
    return ScanOf(command);
  });
  auto index = MakeIndex();
  ASSERT_TRUE(ScannedSince(*index, clock_.WallNow()));
  const SparkCache two = index->Snapshot().at("spark2");
  EXPECT_FALSE(two.scan.has_value());
  EXPECT_FALSE(two.scanned_at.has_value());
  EXPECT_NE(two.error.find("did not say where its Hugging Face cache is"), std::string::npos);
}

TEST_F(CacheIndexTest, ARemovedSparkDisappearsAndAnAddedOneAppearsUnscanned) {
  auto index = MakeIndex();
  ASSERT_TRUE(ScannedSince(*index, clock_.WallNow()));
  config_.SetSparks({"spark1"});
  EXPECT_EQ(index->Snapshot().count("spark2"), 0u);  // at once, before any rescan
  clock_.Advance(seconds(5));
  index->RefreshSoon();
  ASSERT_TRUE(ScannedSince(*index, clock_.WallNow()));
  EXPECT_EQ(Scans(), 3u);  // spark1 only
  // Its old listing was dropped: back in the configuration, it waits for its own scan.
  slow_ = true;
  config_.SetSparks({"spark1", "spark2"});
  const auto snapshot = index->Snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_FALSE(snapshot.at("spark2").scan.has_value());
}

}  // namespace
}  // namespace spark
