// Several clusters in one process (issue 13): ClusterSet starts, reconfigures and retires
// clusters live, each with its own controller (one swap per cluster, clusters side by side),
// and /metrics shows every cluster's series under its own name.
#include "web/cluster_set.h"

#include <gtest/gtest.h>

#include "demo/simulated_executor.h"
#include "support/fake_clock.h"
#include "support/model_names.h"
#include "support/process.h"
#include "support/refusing_http.h"

namespace spark {
namespace {

ClusterConfig Entry(const std::string& name, const std::string& host) {
  ClusterConfig entry;
  entry.name = name;
  entry.sparks["spark1"].host = host;
  entry.sparks["spark2"].host = host;
  return entry;
}

class ClusterSetTest : public ::testing::Test {
 protected:
  ClusterSetTest()
      : events_({}, clock_),
        catalog_(std::move(Catalog::Open(BundledCatalogYaml(), "models.yaml", dir_.path(), clock_))
                     .value()),
        scraper_([this] { return root_.cluster; }, clock_) {
    ClusterEnvironment env{clock_,
                           events_,
                           *catalog_,
                           changes_,
                           dir_.path(),
                           test::RefusingHttpFactory(),
                           [this](const Config&) {
                             // Scripted delays on the fake clock, which never moves: a job
                             // started here stays running until it is cancelled.
                             auto simulated = std::make_unique<SimulatedExecutor>(clock_, 1.0);
                             AddSparkVllmDockerRules(*simulated);
                             return ExecutorChoice{std::move(simulated), {}};
                           },
                           "1.0",
                           "abc"};
    env.heartbeat_interval = Duration::zero();
    set_ = std::make_unique<ClusterSet>(std::move(env), scraper_);
    root_.cluster = "lab";
    root_.sparks["spark1"].host = "127.0.0.1";
    root_.sparks["spark2"].host = "127.0.0.2";
  }

  test::FakeClock clock_;
  test::TempDir dir_;
  ChangeFeed changes_;
  EventLog events_;
  std::unique_ptr<Catalog> catalog_;
  Config root_;
  Scraper scraper_;
  std::unique_ptr<ClusterSet> set_;
};

std::vector<std::string> Names(const ClusterSet& set) {
  std::vector<std::string> names;
  for (const auto& cluster : set.All()) names.push_back(cluster->name());
  return names;
}

TEST_F(ClusterSetTest, StartsTheDefaultClusterFirstThenTheOthersInOrder) {
  root_.clusters = {Entry("prod", "127.0.0.3"), Entry("edge", "127.0.0.5")};
  set_->Apply(root_);
  EXPECT_EQ(Names(*set_), (std::vector<std::string>{"lab", "prod", "edge"}));
  EXPECT_EQ(set_->Find("")->get(), set_->Default().get());
  ASSERT_TRUE(set_->Find("prod").ok());
  EXPECT_EQ(*(*set_->Find("prod"))->config()->sparks.at("spark1").host, "127.0.0.3");
  const auto unknown = set_->Find("staging");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("\"staging\""), std::string::npos);
  EXPECT_EQ(unknown.status().field(), "cluster");
}

TEST_F(ClusterSetTest, AddsAndRetiresClustersLiveAndKeepsTheOthers) {
  set_->Apply(root_);
  const ClusterPtr lab = set_->Default();
  root_.clusters = {Entry("prod", "127.0.0.3")};
  set_->Apply(root_);
  const ClusterPtr prod = *set_->Find("prod");
  EXPECT_EQ(set_->Default().get(), lab.get()) << "the default cluster was restarted";
  EXPECT_NE(scraper_.Render()->find("cluster=\"prod\""), std::string::npos);

  root_.clusters.clear();
  set_->Apply(root_);
  EXPECT_TRUE(prod->retired());
  EXPECT_FALSE(lab->retired());
  EXPECT_FALSE(set_->Find("prod").ok());
  EXPECT_EQ(scraper_.Render()->find("cluster=\"prod\""), std::string::npos)
      << "a removed cluster's series stay in /metrics";
}

TEST_F(ClusterSetTest, RenamingTheDefaultClusterKeepsItsJobsAndRelabelsItsSeries) {
  set_->Apply(root_);
  const ClusterPtr before = set_->Default();
  root_.cluster = "lab2";
  set_->Apply(root_);
  EXPECT_EQ(set_->Default().get(), before.get());
  EXPECT_EQ(before->name(), "lab2");
  const auto text = scraper_.Render();
  EXPECT_NE(text->find("spark_control_build_info{cluster=\"lab2\""), std::string::npos) << *text;
}

TEST_F(ClusterSetTest, EachClusterRunsItsOwnSwapSideBySide) {
  root_.clusters = {Entry("prod", "127.0.0.3")};
  set_->Apply(root_);
  Controller& lab = set_->Default()->controller();
  Controller& prod = (*set_->Find("prod"))->controller();
  const auto lab_swap = lab.Swap("gemma4");
  ASSERT_TRUE(lab_swap.ok()) << lab_swap.status().message();
  EXPECT_EQ(lab_swap->cluster, "lab");
  const auto prod_swap = prod.Swap("qwen36");
  ASSERT_TRUE(prod_swap.ok()) << "a swap on lab blocked prod: " << prod_swap.status().message();
  EXPECT_EQ(prod_swap->cluster, "prod");
  const auto second = lab.Swap("qwen36");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kSwapRunning);
  EXPECT_EQ(lab.RunningJobs().size(), 1u);
  EXPECT_EQ(prod.RunningJobs().size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "jobs.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "clusters" / "prod" / "jobs.jsonl"));
}

TEST_F(ClusterSetTest, MetricsNameEachFamilyOnceWithEveryClustersSeries) {
  root_.clusters = {Entry("prod", "127.0.0.3")};
  set_->Apply(root_);
  const std::string text = *scraper_.Render();
  size_t helps = 0;
  for (size_t at = text.find("# HELP spark_control_service_up "); at != std::string::npos;
       at = text.find("# HELP spark_control_service_up ", at + 1)) {
    ++helps;
  }
  EXPECT_EQ(helps, 1u) << text;
  for (const char* cluster : {"lab", "prod"}) {
    const std::string series =
        std::string("spark_control_service_up{cluster=\"") + cluster + "\",service=\"parakeet\"";
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
}

}  // namespace
}  // namespace spark
