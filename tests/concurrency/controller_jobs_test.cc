// Jobs submitted from many request threads at once: each accepted job has its own id and
// ends, a refusal names the conflict, never two swaps run together, and the counters add up.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "support/simulated_controller.h"

namespace spark {
namespace {

using ControllerJobs = test::ControllerFixture<SystemClock>;

TEST_F(ControllerJobs, ConcurrentSubmissionsGetDistinctIdsAndSwapsNeverOverlap) {
  std::mutex mu;
  std::vector<std::string> accepted;
  size_t swaps = 0;
  std::set<std::string> refusals;
  std::atomic<bool> done{false};
  std::atomic<int> overlapping{0};
  std::thread watcher([&] {
    for (int i = 0; i < 100000 && !done; ++i) {
      if (controller_->Stats().running[JobKind::kSwap] > 1) ++overlapping;
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const bool swap = (t + i) % 3 == 0;
        const auto job = swap
                             ? controller_->Swap(i % 2 ? "gemma4" : "qwen36")
                             : controller_->ServiceAction(t % 2 ? "parakeet" : "magpie", "restart");
        std::lock_guard lock(mu);
        if (job.ok()) {
          accepted.push_back(job->id);
          swaps += swap ? 1 : 0;
        } else {
          refusals.insert(std::string(job.status().code_name()));
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  for (const std::string& id : accepted) {
    EXPECT_TRUE(IsFinished(Wait(id).state)) << id;
  }
  done = true;
  watcher.join();
  EXPECT_EQ(overlapping.load(), 0);
  EXPECT_EQ(std::set<std::string>(accepted.begin(), accepted.end()).size(), accepted.size());
  for (const std::string& code : refusals) {
    EXPECT_TRUE(code == "swap_running" || code == "job_running") << code;
  }
  EXPECT_GE(swaps, 1u);
  const ControllerStats stats = controller_->Stats();
  uint64_t ended_swaps = 0;
  for (const auto& [outcome, count] : stats.swaps) ended_swaps += count;
  EXPECT_EQ(ended_swaps, swaps);
  EXPECT_EQ(controller_->Jobs().size(), accepted.size());
}

}  // namespace
}  // namespace spark
