// One connectivity log for every cluster (issue 13): each event names its cluster, a query
// for a cluster sees only its events, and lines written before events named a cluster count
// as the default cluster's — from memory and from the files alike.
#include <gtest/gtest.h>

#include <fstream>

#include "exporter/event_log.h"
#include "support/event_ids.h"
#include "support/process.h"

namespace spark {
namespace {

using test::Ids;

ConnectivityEvent ClusterReport(const std::string& cluster) {
  ConnectivityEvent e;
  e.service = "vllm";
  e.type = EventType::kReport;
  e.ok = true;
  e.source = "t";
  e.cluster = cluster;
  return e;
}

EventQuery ForCluster(const std::string& name, bool is_default) {
  EventQuery query;
  query.since = 0;
  query.cluster = name;
  query.default_cluster = is_default;
  return query;
}

class EventLogClusters : public ::testing::TestWithParam<bool> {
 protected:
  // Ring of 2: with `from_files` the queries below must read the files.
  EventLogOptions Options() {
    EventLogOptions o;
    o.dir = dir_.path();
    o.ring_capacity = GetParam() ? 2 : 100;
    return o;
  }
  test::TempDir dir_;
  SystemClock clock_;
};

TEST_P(EventLogClusters, AQueryForAClusterSeesOnlyItsEvents) {
  {
    // A line as the release before clusters wrote it: no `cluster` key.
    std::ofstream old(dir_ / "events.jsonl");
    old << R"({"id":1,"ts":"2026-11-01T00:00:00.000Z","service":"vllm","type":"report",)"
        << R"("ok":true,"source":"t","error":null,"ms":null})"
        << "\n";
  }
  EventLog log(Options(), clock_);
  for (const char* cluster : {"lab", "prod", "lab", "prod", "prod"}) {
    ASSERT_TRUE(log.Append(ClusterReport(cluster)).ok());
  }
  EXPECT_EQ(Ids(log.Find(ForCluster("lab", true))), (std::vector<uint64_t>{1, 2, 4}));
  EXPECT_EQ(Ids(log.Find(ForCluster("prod", false))), (std::vector<uint64_t>{3, 5, 6}));
  EXPECT_EQ(Ids(log.Find({.since = 0})).size(), 6u) << "no cluster = every cluster's";
  const auto prod = log.Find(ForCluster("prod", false));
  ASSERT_FALSE(prod.empty());
  EXPECT_EQ(prod.front().cluster, "prod");
  EXPECT_NE(EncodeEvent(prod.front()).find(R"("cluster":"prod")"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(MemoryAndFiles, EventLogClusters, ::testing::Bool(),
                         [](const auto& param_info) {
                           return param_info.param ? "Files" : "Memory";
                         });

}  // namespace
}  // namespace spark
