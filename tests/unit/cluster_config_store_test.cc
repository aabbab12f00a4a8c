// `clusters:` through the layered store: PUT /api/config replaces the list whole (merge patch),
// refuses a duplicate name without writing, keeps masked URLs of the entry of the same name;
// the environment pins only the default cluster's keys; and the files written before
// `clusters` existed (overlay, operator file) load with the same effective values.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "controller/config_schema.h"
#include "controller/config_store.h"
#include "exporter/file_io.h"
#include "support/config_store_files.h"
#include "support/fake_clock.h"
#include "support/process.h"

namespace spark {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const fs::path kConfigTestData = fs::path(SPARK_SOURCE_DIR) / "tests/testdata/config";

class ClusterStore : public ::testing::Test {
 protected:
  std::unique_ptr<ConfigStore> Open(const std::string& operator_yaml,
                                    std::map<std::string, std::string> env = {}) {
    return test::OpenConfigStoreIn(dir_.path(), operator_yaml, clock_, std::move(env));
  }
  std::vector<std::string> Names(const ConfigStore& store) {
    std::vector<std::string> names;
    for (const Config& view : ClusterConfigs(*store.Current())) names.push_back(view.cluster);
    return names;
  }
  test::TempDir dir_;
  test::FakeClock clock_{WallTime(std::chrono::seconds(1795528800))};
};

const char* kOperatorWithLab =
    "cluster: prod\n"
    "clusters:\n"
    "  - name: lab\n"
    "    sparks: {spark1: {host: 10.0.1.11}}\n";

TEST_F(ClusterStore, APatchReplacesTheListWholeAndNullFallsBackToTheOperatorFile) {
  const auto store = Open(kOperatorWithLab);
  EXPECT_EQ(Names(*store), (std::vector<std::string>{"prod", "lab"}));
  ASSERT_TRUE(store
                  ->Apply(json::parse(R"({"clusters":[
                    {"name":"edge","sparks":{"spark1":{"host":"10.0.3.11"}}},
                    {"name":"lab","vllm":{"port":8000}}]})"))
                  .ok());
  EXPECT_EQ(Names(*store), (std::vector<std::string>{"prod", "edge", "lab"}));
  // Replaced, not merged: the operator file's lab host is gone from the new lab entry.
  EXPECT_FALSE(store->Current()->clusters[1].sparks.at("spark1").host.has_value());
  EXPECT_EQ(store->Current()->clusters[1].vllm.port, 8000);
  // The overlay holds the list and reads back as the same clusters.
  const auto reopened = Open(kOperatorWithLab);
  EXPECT_EQ(Names(*reopened), (std::vector<std::string>{"prod", "edge", "lab"}));
  EXPECT_EQ(reopened->Current()->clusters[0].sparks.at("spark1").host, "10.0.3.11");

  ASSERT_TRUE(reopened->Apply(json::parse(R"({"clusters":[]})")).ok());
  EXPECT_EQ(Names(*reopened), std::vector<std::string>{"prod"});
  ASSERT_TRUE(reopened->Apply(json::parse(R"({"clusters":null})")).ok());
  EXPECT_EQ(Names(*reopened), (std::vector<std::string>{"prod", "lab"}));
  EXPECT_EQ(reopened->LayerOf("clusters"), ConfigLayer::kOperator);
}

TEST_F(ClusterStore, ADuplicateNameIsRefusedAndNothingIsWritten) {
  const auto store = Open(kOperatorWithLab);
  ASSERT_TRUE(store->Apply(json::parse(R"({"vllm":{"port":8001}})")).ok());
  const std::string overlay = ReadFile(dir_ / "config.yaml").value();
  int notified = 0;
  store->OnChange([&](const Config&) { ++notified; });
  const std::vector<std::pair<std::string, std::string>> refused = {
      {R"({"clusters":[{"name":"edge"},{"name":"edge"}]})", "clusters[1].name"},
      {R"({"clusters":[{"name":"prod"}]})", "clusters[0].name"},
      // Renaming the default cluster onto an entry's name is the same conflict.
      {R"({"cluster":"lab"})", "clusters[0].name"},
      {R"({"clusters":[{"sparks":{}}]})", "clusters[0].name"},
      {R"({"clusters":{"edge":{}}})", "clusters"},
  };
  for (const auto& [patch, field] : refused) {
    auto result = store->Apply(json::parse(patch));
    ASSERT_FALSE(result.ok()) << patch;
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalidField) << patch;
    EXPECT_EQ(result.status().field(), field) << patch;
  }
  EXPECT_EQ(ReadFile(dir_ / "config.yaml").value(), overlay);
  EXPECT_EQ(Names(*store), (std::vector<std::string>{"prod", "lab"}));
  EXPECT_EQ(notified, 0);
}

TEST_F(ClusterStore, TheClusterCountAndEachEntrysMapsAreCapped) {
  const auto store = Open("");
  json nine = json::array();
  for (int i = 0; i < 9; ++i) nine.push_back({{"name", "c" + std::to_string(i)}});
  auto refused = store->Apply({{"clusters", nine}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "clusters");
  EXPECT_EQ(refused.status().message(), "clusters: more entries (9) than limits.max_clusters (8)");
  EXPECT_FALSE(fs::exists(dir_ / "config.yaml"));
  ASSERT_TRUE(store->Apply({{"clusters", nine}, {"limits", {{"max_clusters", 9}}}}).ok());
  EXPECT_EQ(ClusterConfigs(*store->Current()).size(), 10u);

  json sparks = json::object();
  for (int i = 3; i <= 9; ++i) sparks["spark" + std::to_string(i)] = json::object();
  refused = store->Apply({{"clusters", {{{"name", "big"}, {"sparks", sparks}}}}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "clusters[0].sparks");
  EXPECT_EQ(ClusterConfigs(*store->Current()).size(), 10u);
}

TEST_F(ClusterStore, AMaskedUrlSentBackKeepsTheStoredUrlOfTheEntryOfTheSameName) {
  const auto store = Open(
      "open_webui: {url: 'https://root:pw0@chat.lan/'}\n"
      "clusters:\n"
      "  - {name: lab, open_webui: {url: 'https://lab:pw1@chat.lab.lan/'}}\n"
      "  - {name: edge, remote: {hf_endpoint: 'https://u:t0k@hf.edge.lan'}}\n");
  json shown = store->Describe();
  EXPECT_EQ(shown["clusters"][0]["open_webui"]["url"], "https://***@chat.lab.lan/");
  EXPECT_EQ(shown["clusters"][1]["remote"]["hf_endpoint"], "https://***@hf.edge.lan");
  EXPECT_EQ(shown.dump().find("pw1"), std::string::npos);
  EXPECT_EQ(shown.dump().find("t0k"), std::string::npos);

  // The UI sends the list back as shown, reordered and with one change.
  json list = json::array({shown["clusters"][1], shown["clusters"][0]});
  list[1]["vllm"]["port"] = 8001;
  ASSERT_TRUE(store->Apply({{"clusters", list}}).ok());
  const Config& c = *store->Current();
  EXPECT_EQ(c.clusters[0].name, "edge");
  EXPECT_EQ(c.clusters[0].remote.hf_endpoint, "https://u:t0k@hf.edge.lan");
  EXPECT_EQ(c.clusters[1].open_webui.url, "https://lab:pw1@chat.lab.lan/");
  EXPECT_EQ(c.clusters[1].vllm.port, 8001);
  EXPECT_EQ(c.open_webui.url, "https://root:pw0@chat.lan/");
  // Written in full to the overlay, so the next start has the credentials.
  EXPECT_EQ(Open("")->Current()->clusters[1].open_webui.url, "https://lab:pw1@chat.lab.lan/");

  // A mask under another name (or with another host) has nothing to keep.
  list[1]["name"] = "lab2";
  auto refused = store->Apply({{"clusters", list}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "clusters[1].open_webui.url");
  EXPECT_EQ(store->Current()->clusters[1].name, "lab");
}

TEST_F(ClusterStore, TheEnvironmentPinsOnlyTheDefaultClustersKeys) {
  const auto store = Open(kOperatorWithLab, {{"SPARK1_HOST", "10.0.0.9"}, {"SPARK2_USER", "ops"}});
  const Config& before = *store->Current();
  EXPECT_EQ(before.sparks.at("spark1").host, "10.0.0.9");
  EXPECT_EQ(before.clusters[0].sparks.at("spark1").host, "10.0.1.11");
  EXPECT_FALSE(before.clusters[0].sparks.at("spark2").user.has_value());
  // An entry's spark1.host is not the pinned key: it changes freely.
  ASSERT_TRUE(store
                  ->Apply(json::parse(
                      R"({"clusters":[{"name":"lab","sparks":{"spark1":{"host":"10.0.1.99"}}}]})"))
                  .ok());
  EXPECT_EQ(store->Current()->clusters[0].sparks.at("spark1").host, "10.0.1.99");
  EXPECT_EQ(store->Current()->sparks.at("spark1").host, "10.0.0.9");
  EXPECT_TRUE(store->Apply(json::parse(R"({"clusters":null})")).ok());
  const json described = store->Describe();
  EXPECT_EQ(described["pinned"], json::array({"sparks.spark1.host", "sparks.spark2.user"}));
  for (const EnvKey& key : EnvironmentKeys()) {
    EXPECT_NE(std::string(key.path).rfind("clusters", 0), 0u) << key.path;
  }
}

// tests/testdata/config/overlay-written-by-0.1.0.yaml is DATA/config.yaml exactly as
// spark-control 0.1.0 (acc9ca6, before `clusters`) wrote it after two PUT /api/config calls
// under --demo; valid-full.yaml is an operator file of that release.
TEST_F(ClusterStore, AnOverlayWrittenBeforeClustersLoadsUnchanged) {
  fs::copy_file(kConfigTestData / "overlay-written-by-0.1.0.yaml", dir_ / "config.yaml");
  const auto store = Open(ReadFile(kConfigTestData / "valid-full.yaml").value(),
                          {{"SPARK2_HOST", "10.0.0.22"}, {"SSH_KEY_PATH", "/keys/id"}});
  ASSERT_TRUE(store->startup_notes().empty()) << store->startup_notes()[0];
  const Config& c = *store->Current();
  EXPECT_EQ(c.cluster, "lab");
  EXPECT_EQ(c.sparks.at("spark1").host, "10.0.0.11");  // overlay
  EXPECT_EQ(c.sparks.at("spark2").host, "10.0.0.22");  // environment
  EXPECT_EQ(c.sparks.at("spark2").port, 2222);         // overlay
  EXPECT_EQ(c.ssh.key_path, "/keys/id");
  EXPECT_EQ(c.vllm.port, 8000);
  EXPECT_EQ(c.services.at("whisper").model, "openai/whisper-large-v3");
  EXPECT_EQ(c.services.at("whisper").container, "whisper");
  EXPECT_EQ(c.services.at("magpie").host, "10.0.0.13");
  EXPECT_EQ(c.services.at("magpie").cache_dir, "/srv/magpie-cache");  // operator file
  EXPECT_EQ(c.open_webui.url, "http://admin:s3cret@10.0.0.11:3000/");
  EXPECT_EQ(c.remote.hf_endpoint, "https://hf-mirror.lan");
  EXPECT_EQ(c.probe.interval_s, 5);
  EXPECT_EQ(c.swap.timeout_s, 1800);
  EXPECT_EQ(c.limits.max_services, 12);
  EXPECT_EQ(c.limits.max_clusters, 8);
  EXPECT_EQ(c.http.allowed_origins, std::vector<std::string>{"http://panel.lan:9999"});
  EXPECT_EQ(c.http.trusted_proxies, std::vector<std::string>{"127.0.0.1"});
  EXPECT_TRUE(c.clusters.empty());
  EXPECT_EQ(ClusterConfigs(c).size(), 1u);
  EXPECT_EQ(store->LayerOf("vllm.port"), ConfigLayer::kOverlay);
  // The file is not rewritten at start, and the next PUT keeps what it held.
  EXPECT_EQ(ReadFile(dir_ / "config.yaml").value(),
            ReadFile(kConfigTestData / "overlay-written-by-0.1.0.yaml").value());
  ASSERT_TRUE(store->Apply(json::parse(R"({"clusters":[{"name":"prod"}]})")).ok());
  EXPECT_EQ(store->Current()->services.at("whisper").port, 8100);
  EXPECT_EQ(Names(*store), (std::vector<std::string>{"lab", "prod"}));
}

}  // namespace
}  // namespace spark
