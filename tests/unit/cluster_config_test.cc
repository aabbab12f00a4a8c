// `clusters:`: decoding of the list (each entry with the keys, defaults and rules of the
// single-cluster keys), the views ClusterConfigs() gives, and an encode/decode round trip.
#include <gtest/gtest.h>

#include <filesystem>

#include "controller/config_schema.h"
#include "exporter/file_io.h"

namespace spark {
namespace {

using json = nlohmann::json;

Result<Config> DecodeYaml(const std::string& text) {
  auto tree = ParseYamlTree(text, "clusters.yaml");
  if (!tree.ok()) return tree.status();
  return DecodeConfig(*tree);
}

Config DecodeValidClustersFile() {
  const auto path =
      std::filesystem::path(SPARK_SOURCE_DIR) / "tests/testdata/config" / "valid-clusters.yaml";
  auto config = DecodeYaml(ReadFile(path).value());
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? *config : Config{};
}

TEST(ClusterList, NoClustersKeyMeansOneClusterAsBefore) {
  auto config = DecodeYaml("cluster: lab\nsparks: {spark1: {host: 10.0.0.11}}\n");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(config->clusters.empty());
  EXPECT_EQ(config->limits.max_clusters, 8);
  const auto views = ClusterConfigs(*config);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].cluster, "lab");
  EXPECT_EQ(views[0].sparks.at("spark1").host, "10.0.0.11");
}

TEST(ClusterList, TwoClustersGiveTheDefaultOneFirstThenTheEntry) {
  auto config = DecodeYaml(
      "sparks: {spark1: {host: 10.0.0.11}}\n"
      "probe: {interval_s: 4, timeout_s: 1}\n"
      "clusters:\n"
      "  - name: lab\n"
      "    sparks: {spark1: {host: 10.0.1.11}}\n");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const auto views = ClusterConfigs(*config);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].cluster, "default");
  EXPECT_EQ(views[0].sparks.at("spark1").host, "10.0.0.11");
  EXPECT_EQ(views[1].cluster, "lab");
  EXPECT_EQ(views[1].sparks.at("spark1").host, "10.0.1.11");
  // An entry starts from the defaults of the single-cluster keys, not from the default cluster.
  EXPECT_FALSE(views[1].sparks.at("spark2").host.has_value());
  EXPECT_EQ(views[1].vllm.port, 8888);
  EXPECT_EQ(views[1].services.at("parakeet").port, 8000);
  EXPECT_EQ(views[1].services.at("magpie").container, "magpie");
  EXPECT_EQ(views[1].remote.vllm_docker_dir, "~/spark-vllm-docker");
  // Process-wide keys are shared.
  EXPECT_EQ(views[1].probe.interval_s, 4);
  EXPECT_TRUE(views[1].clusters.empty());
}

TEST(ClusterList, ThreeClustersKeepTheirOrderAndTheirOwnKeys) {
  const Config config = DecodeValidClustersFile();
  const auto views = ClusterConfigs(config);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[0].cluster, "prod");
  EXPECT_EQ(views[1].cluster, "lab");
  EXPECT_EQ(views[2].cluster, "edge");

  EXPECT_EQ(views[0].open_webui.url, "http://10.0.0.11:3000");
  EXPECT_EQ(views[0].services.size(), 2u);

  const Config& lab = views[1];
  EXPECT_EQ(lab.sparks.at("spark2").port, 2222);
  EXPECT_EQ(lab.open_webui.url, "https://lab:pw@chat.lab.lan/");
  EXPECT_EQ(lab.services.at("whisper").container, "whisper");
  const auto targets = ProbeTargetsFor(lab);
  ASSERT_EQ(targets.size(), 4u);
  EXPECT_EQ(targets[0].BaseUrl(), "http://10.0.1.11:8000");  // vllm on the lab's spark1
  EXPECT_EQ(targets[3].service, "whisper");
  EXPECT_EQ(targets[3].BaseUrl(), "http://10.0.1.11:8100");

  const Config& edge = views[2];
  EXPECT_EQ(ConfiguredSparks(edge), std::vector<std::string>{"spark1"});
  EXPECT_FALSE(edge.sparks.count("spark2"));
  EXPECT_EQ(ServiceNames(edge), (std::vector<std::string>{"vllm", "parakeet"}));
  EXPECT_EQ(edge.remote.vllm_container, "vllm_edge");
  EXPECT_EQ(edge.remote.vllm_docker_dir, "~/spark-vllm-docker");
  EXPECT_FALSE(edge.open_webui.url.has_value());
  for (const Config& view : views) EXPECT_EQ(view.probe.interval_s, 5);
}

TEST(ClusterList, NullOrAnEmptyListMeansNoFurtherClusters) {
  for (const char* text : {"clusters: null\n", "clusters: []\n"}) {
    auto config = DecodeYaml(text);
    ASSERT_TRUE(config.ok()) << text << config.status().message();
    EXPECT_TRUE(config->clusters.empty()) << text;
  }
}

TEST(ClusterList, TheRulesOfTheSingleClusterKeysApplyInsideAnEntry) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"clusters: [{name: lab, sparks: {spark1: {host: 'http://x:22'}}}]\n",
       "clusters[0].sparks.spark1.host: expected a host name or IPv4 address without scheme or "
       "port, got 'http://x:22'"},
      {"clusters: [{name: lab, services: {whisper: {kind: stt}}}]\n",
       "clusters[0].services.whisper.port: is required for an added service"},
      {"clusters: [{name: lab, remote: {vllm_docker_dir: relative}}]\n",
       "clusters[0].remote.vllm_docker_dir: \"relative\" is not absolute and does not start with "
       "~/"},
      {"clusters: [{name: lab}, 7]\n", "clusters[1]: expected a mapping"},
      {"clusters: [{name: 7}]\n", "clusters[0].name: expected a string"},
      {"cluster: lab\nclusters: [{name: lab}]\n",
       "clusters[0].name: 'lab' is already the name of the default cluster (`cluster`)"},
      {"limits: {max_services: 2}\nclusters: [{name: lab, services: {w: {kind: stt, port: 1}}}]\n",
       "clusters[0].services: at most 2 services per cluster (limits.max_services); this config "
       "has 3"},
      {"limits: {max_clusters: 65}\n", "limits.max_clusters: expected an integer from 0 to 64"},
      {"limits: {max_clusters: 0}\nclusters: [{name: lab}]\n",
       "clusters: more entries (1) than limits.max_clusters (0)"},
  };
  for (const auto& [text, expected] : cases) {
    auto config = DecodeYaml(text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_EQ(config.status().code(), ErrorCode::kInvalidField) << text;
    EXPECT_EQ(config.status().message(), expected) << text;
  }
}

TEST(ClusterList, TheFieldOfAnErrorNamesTheEntry) {
  auto config = DecodeYaml("clusters: [{name: lab}, {name: lab}]\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().field(), "clusters[1].name");
}

TEST(ClusterList, AnEntryEncodesAndDecodesToItself) {
  const Config config = DecodeValidClustersFile();
  const json encoded = EncodeConfig(config, /*redact=*/false);
  ASSERT_EQ(encoded["clusters"].size(), 2u);
  EXPECT_EQ(encoded["clusters"][1]["name"], "edge");
  // A built-in the entry removed stays removed: it is written as null.
  EXPECT_TRUE(encoded["clusters"][1]["sparks"]["spark2"].is_null());
  EXPECT_TRUE(encoded["clusters"][1]["services"]["magpie"].is_null());
  auto again = DecodeConfig(encoded);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(EncodeConfig(*again, false), encoded);
  // Through the overlay's YAML as well.
  auto reread = ParseYamlTree(EmitYamlTree(encoded), "config.yaml");
  ASSERT_TRUE(reread.ok()) << reread.status().message();
  EXPECT_EQ(*reread, encoded);
}

TEST(ClusterList, CredentialsInAnEntrysUrlsAreMaskedLikeTheTopLevelOnes) {
  Config config = DecodeValidClustersFile();
  config.clusters[1].remote.hf_endpoint = "https://u:t0ken@hf.edge.lan";
  const json shown = EncodeConfig(config, /*redact=*/true);
  EXPECT_EQ(shown["clusters"][0]["open_webui"]["url"], "https://***@chat.lab.lan/");
  EXPECT_EQ(shown["clusters"][1]["remote"]["hf_endpoint"], "https://***@hf.edge.lan");
  EXPECT_EQ(shown.dump().find("pw@"), std::string::npos);
  EXPECT_EQ(shown.dump().find("t0ken"), std::string::npos);
}

TEST(ClusterList, WarningsNameTheEntry) {
  auto config = DecodeYaml("clusters: [{name: lab, sparks: {spark1: {host: spark-1.local}}}]\n");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const auto warnings = ConfigWarnings(*config);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("clusters[0].sparks.spark1.host: 'spark-1.local'", 0), 0u)
      << warnings[0];
}

}  // namespace
}  // namespace spark
