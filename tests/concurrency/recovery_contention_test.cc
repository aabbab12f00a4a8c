// The self-healing loop under contention: Snapshot, counts, Resume, JobFinished, Wake and the
// metrics from many threads while it inspects and relaunches, and its destruction with an
// inspect under way (cancelled, not waited out).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "controller/recovery_loop.h"
#include "controller/recovery_metrics.h"
#include "exporter/time_format.h"
#include "support/recovery_fixture.h"

namespace spark {
namespace recovery_contention_test {

using RecoveryContention = test::RecoveryFixture;

TEST_F(RecoveryContention, ReadsResumesAndWakesFromManyThreadsWhileItRecovers) {
  recovery_.backoff_s = {0};
  ServeQwen();
  StartLoop();
  const std::string now = FormatRfc3339(loop_clock_.WallNow());
  SetContainer("vllm_node", "exited 1 false " + now, true);
  SetContainer("parakeet", "exited 1 false " + now);
  SetUp("parakeet", false);  // never comes back: attempts, the breaker, resumes
  KillVllm();
  const auto metrics = MakeRecoveryMetrics(*loop_);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300 && !stop; ++i) {
        switch ((i + t) % 5) {
          case 0:
            EXPECT_EQ(loop_->Snapshot().size(), 3u);
            break;
          case 1:
            EXPECT_TRUE(loop_->Resume(i % 2 == 0 ? "vllm" : "parakeet").ok());
            break;
          case 2:
            loop_->JobFinished(JobInfo{});
            break;
          case 3: {
            Families families;
            metrics->Collect(families);
            EXPECT_EQ(families.size(), 2u);
            break;
          }
          default:
            loop_->Wake();
            (void)loop_->counts();
            (void)loop_->version();
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 50 && !stop; ++i) {
      loop_clock_.Advance(std::chrono::seconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (auto& thread : threads) thread.join();
  // It went on recovering throughout: jobs ran, and every one of them is counted once ended.
  ASSERT_TRUE(Settles([&] {
    uint64_t ended = 0;
    for (const JobInfo& job : RecoveryJobs()) ended += IsFinished(job.state) ? 1 : 0;
    const auto counts = loop_->counts().outcomes;
    uint64_t counted = 0;
    for (const auto& [service, outcomes] : counts) {
      for (const auto& [outcome, n] : outcomes) counted += n;
    }
    return ended > 0 && counted == ended && ended == RecoveryJobs().size();
  }));
  uint64_t last = 0;
  for (const ConnectivityEvent& e : RecoveryEvents("")) {
    EXPECT_GT(e.id, last);
    last = e.id;
  }
}

TEST_F(RecoveryContention, DestroyingTheLoopCancelsAnInspectUnderWay) {
  SimulatedScript hang;
  hang.end = SimulatedScript::End::kHang;  // until cancelled or its 20 s deadline
  SetInspect("vllm_node", hang);
  ServeQwen();
  StartLoop();
  KillVllm();
  ASSERT_TRUE(test::Eventually([&] { return Inspects("vllm_node") == 1; }));
  const auto began = std::chrono::steady_clock::now();
  loop_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(10));
  EXPECT_TRUE(RecoveryEvents("vllm").empty());  // the cancelled inspect decided nothing
}

}  // namespace recovery_contention_test
}  // namespace spark
