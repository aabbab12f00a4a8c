// Health reports counted from many request threads: every report is counted once under its
// own labels, latencies add up, and the `source` slots keep their reservation for token
// holders however the floods interleave.
#include "exporter/report_stats.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace spark {
namespace {

TEST(ReportStatsConcurrency, EveryReportIsCountedOnceUnderItsLabels) {
  constexpr int kThreads = 8;
  constexpr int kReports = 400;
  ReportStats stats;
  stats.EnsureServices({"vllm", "parakeet"});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kReports; ++i) {
        const bool ok = i % 4 != 0;
        stats.Record(i % 2 ? "vllm" : "parakeet", "app" + std::to_string(t), ok,
                     i % 2 ? std::optional<double>(0.25) : std::nullopt);
        if (i % 10 == 0) stats.RecordRateLimited();
      }
    });
  }
  for (auto& t : threads) t.join();
  const ReportStats::View view = stats.Get();
  uint64_t total = 0;
  for (const auto& [key, count] : view.reports) total += count;
  EXPECT_EQ(total, uint64_t{kThreads} * kReports);
  for (int t = 0; t < kThreads; ++t) {
    const std::string app = "app" + std::to_string(t);
    EXPECT_EQ(view.reports.at({"parakeet", app, "failure"}), uint64_t{kReports / 4}) << app;
    EXPECT_EQ(view.reports.at({"parakeet", app, "ok"}), uint64_t{kReports / 4}) << app;
    EXPECT_EQ(view.reports.at({"vllm", app, "ok"}), uint64_t{kReports / 2}) << app;
  }
  EXPECT_EQ(view.latency.at({"vllm", "ok"}).count(), uint64_t{kThreads} * kReports / 2);
  EXPECT_DOUBLE_EQ(view.latency.at({"vllm", "ok"}).sum(), 0.25 * kThreads * kReports / 2);
  EXPECT_EQ(view.latency.at({"parakeet", "ok"}).count(), 0u);
  EXPECT_EQ(view.rate_limited, uint64_t{kThreads} * (kReports / 10));
  EXPECT_EQ(stats.version(), view.version);
}

std::string Name(const std::string& app, int i) { return app + "-" + std::to_string(i); }

TEST(SourceLabelsConcurrency, TheReservationHoldsUnderConcurrentReports) {
  SourceLabels labels;
  std::vector<std::thread> threads;
  std::vector<std::set<std::string>> seen(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&labels, &seen, t] {
      const bool with_token = t < 2;  // two apps with a token, six anonymous floods
      for (int i = 0; i < 200; ++i) {
        const std::string name =
            with_token ? Name("app" + std::to_string(t), i % 4) : Name("anon", t * 1000 + i);
        const std::string label = labels.Label(name, with_token);
        seen[static_cast<size_t>(t)].insert(label);
        EXPECT_EQ(labels.Label(name, with_token), label);  // a name keeps its label
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> named;
  size_t anonymous = 0;
  for (size_t t = 0; t < seen.size(); ++t) {
    for (const std::string& label : seen[t]) {
      if (label == "other") continue;
      named.insert(label);
      if (t >= 2) ++anonymous;
    }
  }
  EXPECT_EQ(named.size(), 32u);
  EXPECT_EQ(anonymous, 24u);
  // However the floods interleave, both apps' names have their own labels.
  for (int t = 0; t < 2; ++t) {
    for (int i = 0; i < 4; ++i) {
      const std::string name = Name("app" + std::to_string(t), i);
      EXPECT_TRUE(seen[static_cast<size_t>(t)].count(name)) << name;
    }
  }
}

}  // namespace
}  // namespace spark
