// The process-wide `recovery:` keys (issue 16): defaults, ranges with messages naming the key,
// and a change through the overlay (PUT /api/config's path) that survives a restart and falls
// back to the operator file on null; a cluster entry cannot hold them.
#include <gtest/gtest.h>

#include "controller/config_schema.h"
#include "controller/config_store.h"
#include "support/config_store_files.h"
#include "support/fake_clock.h"
#include "support/process.h"

namespace spark {
namespace {

using json = nlohmann::json;

TEST(RecoveryConfig, KeysHaveTheirDefaultsRangesAndRoundTrip) {
  const Config defaults;
  EXPECT_TRUE(defaults.recovery.enabled);
  EXPECT_EQ(defaults.recovery.backoff_s, (std::vector<double>{30, 120, 600}));
  EXPECT_EQ(defaults.recovery.max_failures, 3);
  EXPECT_EQ(defaults.recovery.window_s, 1800);
  EXPECT_EQ(defaults.recovery.hung_s, 120);
  const json recovery = {{"enabled", false},
                         {"backoff_s", {0, 5.5, 86400}},
                         {"max_failures", 100},
                         {"window_s", 604800},
                         {"hung_s", 10}};
  const auto config = DecodeConfig(json{{"recovery", recovery}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_FALSE(config->recovery.enabled);
  EXPECT_EQ(config->recovery.backoff_s, (std::vector<double>{0, 5.5, 86400}));
  EXPECT_EQ(EncodeConfig(*config, true)["recovery"], recovery);
  const auto ten = DecodeConfig(json{{"recovery", {{"backoff_s", std::vector<double>(10, 1)}}}});
  EXPECT_TRUE(ten.ok());
  for (const json& bad :
       {json{{"backoff_s", std::vector<double>(11, 1)}}, json{{"backoff_s", nullptr}},
        json{{"backoff_s", 30}}, json{{"backoff_s", {30, "60"}}}, json{{"backoff_s", {-1}}},
        json{{"max_failures", 2.5}}, json{{"window_s", 604801}}, json{{"hung_s", "120"}},
        json{{"breaker", true}}}) {
    const auto refused = DecodeConfig(json{{"recovery", bad}});
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidField) << bad;
    EXPECT_TRUE(refused.status().field().starts_with("recovery.")) << refused.status().field();
  }
}

TEST(RecoveryConfig, AChangeThroughTheOverlaySurvivesARestartAndNullFallsBack) {
  test::TempDir dir;
  test::FakeClock clock{WallTime(std::chrono::seconds(1795528800))};
  const std::string operator_yaml = "recovery: {max_failures: 4}\n";
  auto open = [&] { return test::OpenConfigStoreIn(dir.path(), operator_yaml, clock); };
  const auto store = open();
  EXPECT_EQ(store->Current()->recovery.max_failures, 4);
  const auto changed =
      store->Apply(json::parse(R"({"recovery":{"backoff_s":[5,20.5,60],"enabled":false}})"));
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  const auto reopened = open();
  const Config& config = *reopened->Current();
  EXPECT_EQ(config.recovery.backoff_s, (std::vector<double>{5, 20.5, 60}));
  EXPECT_FALSE(config.recovery.enabled);
  EXPECT_EQ(config.recovery.max_failures, 4);
  ASSERT_TRUE(reopened->Apply(json::parse(R"({"recovery":{"backoff_s":null}})")).ok());
  EXPECT_EQ(reopened->Current()->recovery.backoff_s, (std::vector<double>{30, 120, 600}));
  const auto refused = reopened->Apply(json::parse(R"({"recovery":{"backoff_s":[]}})"));
  EXPECT_EQ(refused.status().field(), "recovery.backoff_s");
  const auto in_cluster =
      DecodeConfig(json{{"clusters", {{{"name", "prod"}, {"recovery", {{"enabled", false}}}}}}});
  ASSERT_FALSE(in_cluster.ok());
  EXPECT_EQ(in_cluster.status().field(), "clusters[0].recovery");
}

}  // namespace
}  // namespace spark
