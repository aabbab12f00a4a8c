// Updates under contention. The monitor: readers take snapshots while other threads ask for
// checks (CheckNow, RefreshSoon, RefreshImagesSoon), the configuration loses and regains a
// Spark and the fake clock moves; then it is destroyed with a round under way. The controller:
// applies, rollbacks, swaps and vLLM restarts started from many threads never run an update
// beside a swap, a vLLM action or another update, and every accepted job ends.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "controller/update_monitor.h"
#include "support/fake_clock.h"
#include "support/spark_configs.h"
#include "support/update_cluster.h"

namespace spark {
namespace {

using std::chrono::seconds;

TEST(UpdateMonitorContention, ReadersSeeConfiguredSparksAndChecksThatOnlyMoveForward) {
  test::FakeClock clock;
  SimulatedExecutor executor(clock);
  executor.On("spark-control-image", [](const RemoteCommand& command) {
    SimulatedScript script = SimulatedScript::Print(
        {"image vllm-node sha256:" + std::string(64, command.spark == "spark1" ? '1' : '2') +
             " 2026-11-28T09:30:00Z",
         "image vllm-node:previous -"});
    script.lines.front().delay = seconds(1);
    return script;
  });
  executor.On("spark-control-update-check", [](const RemoteCommand&) {
    SimulatedScript script =
        SimulatedScript::Print({"fetch ok", "branch main", "local " + std::string(40, 'a'),
                                "upstream origin/main " + std::string(40, 'b'), "dirty 0",
                                "behind 2", "ahead 0", "spark-control-update-check-end"});
    script.lines.front().delay = seconds(1);
    return script;
  });
  test::SparkConfigs config({"spark1", "spark2"});
  auto monitor = std::make_unique<UpdateMonitor>(
      UpdateMonitorDeps{executor, [&config] { return config.Get(); }, clock, nullptr});
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      WallTime last{};
      for (int i = 0; i < 200000 && !stop; ++i) {
        const UpdateStatus status = monitor->Snapshot();
        if (status.images.size() > 2 || !status.images.contains("spark1")) ++bad;
        if (status.checked_at) {
          if (*status.checked_at < last) ++bad;
          last = *status.checked_at;
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 200000 && !stop; ++i) {
      if (i % 2 == 0)
        monitor->RefreshSoon();
      else
        monitor->RefreshImagesSoon();
    }
  });
  threads.emplace_back([&] {
    // Without a wait: it asks for a check and gives up at once (a waiting one would keep the
    // clock's waiters busy and let the clock outrun the commands).
    for (int i = 0; i < 2000 && !stop; ++i) {
      if (monitor->CheckNow(Duration::zero()).error.empty()) ++bad;
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 200000 && !stop; ++i) {
      config.SetSparks(i % 2 == 0 ? std::vector<std::string>{"spark1", "spark2"}
                                  : std::vector<std::string>{"spark1"});
    }
  });
  // Moves the clock, each time once something sleeps on it, until 20 checks ran (bounded:
  // 50,000 steps or 20 s).
  const auto limit = std::chrono::steady_clock::now() + seconds(20);
  size_t checks = 0;
  for (int step = 0; step < 50000 && checks < 20 && std::chrono::steady_clock::now() < limit;
       ++step) {
    clock.AwaitWaiters(1, std::chrono::milliseconds(50));
    monitor->RefreshSoon();  // the interval (6 h) is far off; the other askers may be done
    clock.Advance(seconds(1));
    checks = 0;
    for (const auto& command : executor.commands()) {
      checks += command.line.find("spark-control-update-check") != std::string::npos;
    }
  }
  EXPECT_GE(checks, 20u);
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  monitor->RefreshSoon();
  monitor.reset();  // a round under way (its clock stands still): cancelled and joined
}

using UpdateConflicts = test::UpdateJobFixture;

TEST_F(UpdateConflicts, AnUpdateNeverRunsBesideASwapAVllmActionOrAnotherUpdate) {
  std::atomic<bool> done{false};
  std::atomic<int> overlaps{0};
  std::thread reader([&] {
    for (int i = 0; i < 200000 && !done; ++i) {
      int updates = 0;
      int launches = 0;
      for (const auto& job : controller_->RunningJobs()) {
        updates += job.kind == JobKind::kUpdate;
        launches +=
            job.kind == JobKind::kSwap || (job.kind == JobKind::kService && job.target == "vllm");
      }
      if (updates > 1 || (updates > 0 && launches > 0)) ++overlaps;
    }
  });
  std::mutex mu;
  std::vector<std::string> accepted;
  std::map<JobKind, int> kinds;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 6; ++i) {
        const int which = (t + i) % 4;
        const auto ask = [&]() -> Result<JobInfo> {
          return which == 0   ? controller_->ApplyUpdate()
                 : which == 1 ? controller_->Rollback()
                 : which == 2 ? controller_->Swap("gemma4")
                              : controller_->ServiceAction("vllm", "restart");
        };
        // Asks again while another client's job holds the cluster (bounded: 5 s), so every
        // kind gets its turn however the threads are scheduled; the refusals on the way are
        // the contention under test.
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        Result<JobInfo> job = ask();
        while (!job.ok() && std::chrono::steady_clock::now() < give_up) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          job = ask();
        }
        if (!job.ok()) continue;
        {
          std::lock_guard lock(mu);
          accepted.push_back(job->id);
          ++kinds[job->kind];
        }
        Wait(*controller_, job->id);  // then the others get their turn
      }
    });
  }
  for (auto& c : clients) c.join();
  for (const auto& id : accepted) EXPECT_TRUE(IsFinished(Wait(id).state)) << id;
  done = true;
  reader.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(kinds[JobKind::kUpdate], 0);
  EXPECT_GT(kinds[JobKind::kSwap], 0);
}

}  // namespace
}  // namespace spark
