// Downloads started, cancelled and read from many threads at once while the clock runs (the
// demo's simulated Hugging Face side): one download per repo at a time, every accepted job
// ends, the counters add up, and readers never see a torn job.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "demo/simulated_downloads.h"
#include "support/fake_clock.h"
#include "support/simulated_controller.h"

namespace spark {
namespace {

using DownloadJobs = test::ControllerFixture<test::FakeClock>;

TEST_F(DownloadJobs, ConcurrentStartsCancelsAndReadsKeepOneDownloadPerRepo) {
  SimulatedHub hub;
  hub.latency = Duration::zero();
  AddHfRules(executor_, clock_, hub);
  const std::vector<std::string> repos = {"org/alpha-1b", "org/beta-2b", "org/gamma-3b"};
  std::mutex mu;
  std::vector<std::string> accepted;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    for (int i = 0; i < 200000 && !done; ++i) {
      std::map<std::string, int> running;
      for (const auto& job : controller_->RunningJobs()) {
        if (job.kind == JobKind::kDownload && job.action.empty()) ++running[job.target];
        const auto& p = job.progress;
        if (p.bytes_done && p.bytes_total && p.percent && *p.percent > 100.0 + 1e-9) {
          ++torn;
        }
      }
      for (const auto& [repo, n] : running) torn += n > 1 ? 1 : 0;
      (void)controller_->Stats();
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 6; ++i) {
        const auto job =
            controller_->Download(repos[(t + i) % repos.size()], (t + i) % 2 == 1, std::nullopt);
        if (job.ok()) {
          std::lock_guard lock(mu);
          accepted.push_back(job->id);
          if ((t + i) % 3 == 0) (void)controller_->Cancel(job->id);
        } else {
          EXPECT_EQ(job.status().code(), ErrorCode::kJobRunning) << job.status().message();
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  // The clock moves until every accepted job has ended (bounded: 40 simulated minutes).
  for (int i = 0; i < 2400 && !controller_->RunningJobs().empty(); ++i) {
    clock_.Advance(std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_TRUE(controller_->RunningJobs().empty());
  std::lock_guard lock(mu);
  ASSERT_GE(accepted.size(), repos.size());
  uint64_t ended = 0;
  for (const auto& [outcome, n] : controller_->Stats().downloads) ended += n;
  EXPECT_EQ(ended, accepted.size());
  for (const std::string& id : accepted) {
    const auto job = controller_->Job(id);
    ASSERT_TRUE(job);
    EXPECT_TRUE(job->state == JobState::kSucceeded || job->state == JobState::kCancelled)
        << id << " " << (job->error ? job->error->code + ": " + job->error->message : "");
  }
}

}  // namespace
}  // namespace spark
