// Configuration: layer precedence, pins, merge patches, strict validation with messages that
// name the key, and an overlay the process cannot read set aside instead of failing start-up.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "controller/config_schema.h"
#include "controller/config_store.h"
#include "exporter/file_io.h"
#include "exporter/poller.h"
#include "support/config_store_files.h"
#include "support/fake_clock.h"
#include "support/process.h"

namespace spark {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class ConfigLayers : public ::testing::Test {
 protected:
  std::unique_ptr<ConfigStore> Open(const std::string& operator_yaml,
                                    std::map<std::string, std::string> env = {},
                                    json demo = json::object()) {
    return test::OpenConfigStoreIn(dir_.path(), operator_yaml, clock_, std::move(env),
                                   std::move(demo));
  }
  test::TempDir dir_;
  test::FakeClock clock_{WallTime(std::chrono::seconds(1795528800))};
};

TEST_F(ConfigLayers, DefaultsMatchTheContract) {
  const auto store = Open("");
  const Config& c = *store->Current();
  EXPECT_EQ(c.cluster, "default");
  EXPECT_FALSE(c.sparks.at("spark1").host.has_value());
  EXPECT_EQ(c.sparks.at("spark2").port, 22);
  EXPECT_EQ(c.vllm.port, 8888);
  EXPECT_EQ(c.services.at("parakeet").port, 8000);
  EXPECT_EQ(c.services.at("parakeet").model, "nvidia/parakeet-tdt-0.6b-v3");
  EXPECT_EQ(c.services.at("magpie").kind, "tts");
  EXPECT_EQ(c.probe.interval_s, 2);
  EXPECT_EQ(c.probe.timeout_s, 1.5);
  EXPECT_EQ(c.limits.max_sse_clients, 64);
  EXPECT_EQ(c.events.max_bytes, 5 * (8 << 20));  // 8 MiB files: the active one and 4 rotated
  EXPECT_EQ(c.remote.vllm_docker_dir, "~/spark-vllm-docker");
}

TEST_F(ConfigLayers, EnvironmentBeatsOverlayBeatsOperatorFileBeatsDefaults) {
  {
    auto store = Open("sparks: {spark1: {host: 10.0.0.1, user: op}, spark2: {host: 10.0.0.2}}\n");
    ASSERT_TRUE(store
                    ->Apply(json::parse(
                        R"({"sparks":{"spark1":{"host":"10.0.0.5"},"spark2":{"user":"ov"}}})"))
                    .ok());
  }
  const auto store =
      Open("sparks: {spark1: {host: 10.0.0.1, user: op}, spark2: {host: 10.0.0.2}}\n",
           {{"SPARK1_HOST", "10.0.0.9"}});
  const Config& c = *store->Current();
  EXPECT_EQ(c.sparks.at("spark1").host, "10.0.0.9");  // environment
  EXPECT_EQ(c.sparks.at("spark1").user, "op");        // operator file
  EXPECT_EQ(c.sparks.at("spark2").host, "10.0.0.2");  // operator file
  EXPECT_EQ(c.sparks.at("spark2").user, "ov");        // overlay
  EXPECT_EQ(c.sparks.at("spark2").port, 22);          // default
}

TEST_F(ConfigLayers, ThePinnedKeyRefusesAChangeButAcceptsItsOwnValue) {
  const auto store = Open("", {{"SPARK2_USER", "dgx"}, {"SPARK_CONTROL_TOKEN", "s3cret"}});
  auto changed = store->Apply(json::parse(R"({"sparks":{"spark2":{"user":"root"}}})"));
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.status().code(), ErrorCode::kPinned);
  EXPECT_EQ(changed.status().field(), "sparks.spark2.user");
  EXPECT_NE(changed.status().message().find("SPARK2_USER"), std::string::npos);
  EXPECT_TRUE(
      store->Apply(json::parse(R"({"sparks":{"spark2":{"user":"dgx","port":2222}}})")).ok());
  EXPECT_EQ(store->Current()->sparks.at("spark2").port, 2222);
  // Deleting a parent of a pinned key is a change too.
  EXPECT_EQ(store->Apply(json::parse(R"({"auth":null})")).status().code(), ErrorCode::kPinned);
  const json described = store->Describe();
  EXPECT_EQ(described["pinned"], json::array({"sparks.spark2.user", "auth.token"}));
  EXPECT_EQ(described["auth"]["token_set"], true);
  EXPECT_EQ(described.dump().find("s3cret"), std::string::npos);
}

TEST_F(ConfigLayers, NullInAPatchFallsBackToTheLowerLayers) {
  const auto store = Open("vllm: {port: 8000}\n");
  ASSERT_TRUE(store->Apply(json::parse(R"({"vllm":{"port":8080}})")).ok());
  EXPECT_EQ(store->Current()->vllm.port, 8080);
  ASSERT_TRUE(store->Apply(json::parse(R"({"vllm":{"port":null}})")).ok());
  EXPECT_EQ(store->Current()->vllm.port, 8000);
}

TEST_F(ConfigLayers, AnInvalidPatchChangesNothing) {
  const auto store = Open("");
  ASSERT_TRUE(store->Apply(json::parse(R"({"cluster":"lab"})")).ok());
  const std::string overlay = ReadFile(dir_ / "config.yaml").value();
  int notified = 0;
  store->OnChange([&](const Config&) { ++notified; });
  auto bad = store->Apply(json::parse(R"({"cluster":"other","probe":{"timeout_s":5}})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidField);
  EXPECT_EQ(bad.status().field(), "probe.timeout_s");
  EXPECT_EQ(store->Current()->cluster, "lab");
  EXPECT_EQ(ReadFile(dir_ / "config.yaml").value(), overlay);
  EXPECT_EQ(notified, 0);
}

TEST_F(ConfigLayers, TheOverlayIsWrittenAtomicallyWithMode0600AndReadBack) {
  const auto store = Open("");
  ASSERT_TRUE(
      store->Apply(json::parse(R"({"services":{"whisper":{"kind":"stt","port":8100}}})")).ok());
  const auto perms = fs::status(dir_ / "config.yaml").permissions();
  EXPECT_EQ(perms & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  const auto reopened = Open("");
  const ServiceConfig& whisper = reopened->Current()->services.at("whisper");
  EXPECT_EQ(whisper.port, 8100);
  EXPECT_EQ(whisper.container, "whisper");  // defaults to the service name
  EXPECT_EQ(whisper.spark, "spark2");
  EXPECT_EQ(whisper.health_path, "/health");
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(ConfigLayers, ACorruptOverlayIsSetAsideAndDefaultsApply) {
  std::ofstream(dir_ / "config.yaml") << "sparks: {spark1: {port: not-a-number}}\n";
  const auto store = Open("vllm: {port: 8001}\n");
  EXPECT_EQ(store->Current()->vllm.port, 8001);
  EXPECT_FALSE(fs::exists(dir_ / "config.yaml"));
  EXPECT_TRUE(fs::exists(dir_ / "config.yaml.corrupt-20261124T140000Z"));
  ASSERT_EQ(store->startup_notes().size(), 1u);
  EXPECT_NE(store->startup_notes()[0].find("sparks.spark1.port"), std::string::npos);
}

TEST_F(ConfigLayers, TheDemoLayerSitsBetweenOperatorFileAndOverlay) {
  const auto store =
      Open("vllm: {port: 7000, host: 10.1.1.1}\n", {}, json::parse(R"({"vllm":{"port":41000}})"));
  EXPECT_EQ(store->Current()->vllm.port, 41000);
  EXPECT_EQ(store->Current()->vllm.host, "10.1.1.1");
}

TEST_F(ConfigLayers, ProbeTargetsResolveHostsFromTheirSpark) {
  const auto store = Open(
      "sparks: {spark1: {host: 10.0.0.11}, spark2: {host: 10.0.0.12}}\n"
      "services: {magpie: {host: 192.168.1.50}}\n");
  const auto targets = ProbeTargetsFor(*store->Current());
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0].service, "vllm");
  EXPECT_EQ(targets[0].BaseUrl(), "http://10.0.0.11:8888");
  EXPECT_EQ(targets[1].service, "magpie");
  EXPECT_EQ(targets[1].BaseUrl(), "http://192.168.1.50:9000");
  EXPECT_EQ(targets[2].service, "parakeet");
  EXPECT_EQ(targets[2].BaseUrl(), "http://10.0.0.12:8000");
  EXPECT_EQ(targets[2].configured_model, "nvidia/parakeet-tdt-0.6b-v3");
}

TEST_F(ConfigLayers, SparksAndServicesAreCappedPerCluster) {
  const auto store = Open("");
  json sparks = json::object();
  for (int i = 3; i <= 9; ++i) sparks["spark" + std::to_string(i)] = json::object();
  auto refused = store->Apply({{"sparks", sparks}});  // 2 + 7 = 9 > 8
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidField);
  EXPECT_EQ(refused.status().field(), "sparks");
  EXPECT_EQ(refused.status().message(),
            "sparks: at most 8 Sparks per cluster (limits.max_sparks); this config has 9");
  EXPECT_EQ(store->Current()->sparks.size(), 2u);
  EXPECT_FALSE(fs::exists(dir_ / "config.yaml"));
  sparks.erase("spark9");
  EXPECT_TRUE(store->Apply({{"sparks", sparks}}).ok());
  EXPECT_EQ(store->Current()->sparks.size(), 8u);

  json services = json::object();
  for (int i = 0; i < 15; ++i) {
    services["extra" + std::to_string(i)] = {{"kind", "stt"}, {"port", 9100 + i}};
  }
  refused = store->Apply({{"services", services}});  // 2 + 15 = 17 > 16
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "services");
  // Raising the cap in the same patch makes room.
  EXPECT_TRUE(store->Apply({{"services", services}, {"limits", {{"max_services", 17}}}}).ok());
  EXPECT_EQ(store->Current()->services.size(), 17u);
}

TEST_F(ConfigLayers, AnOverlayCatalogPathToAMissingFileFallsBackAndIsNoted) {
  std::ofstream(dir_ / "config.yaml") << "catalog: {path: /nonexistent/models.yaml}\n"
                                      << "vllm: {port: 8001}\n";
  const auto store = Open("");
  EXPECT_FALSE(store->Current()->catalog.path.has_value());  // the bundled catalog
  EXPECT_EQ(store->Current()->vllm.port, 8001);              // the rest of the overlay stays
  EXPECT_EQ(store->LayerOf("catalog.path"), ConfigLayer::kDefault);
  ASSERT_EQ(store->startup_notes().size(), 1u);
  const std::string note = store->startup_notes()[0];
  EXPECT_NE(note.find("catalog.path"), std::string::npos) << note;
  EXPECT_NE(note.find("/nonexistent/models.yaml"), std::string::npos) << note;
  EXPECT_NE(note.find("bundled catalog"), std::string::npos) << note;
  // The file on disk is left alone (no write at start).
  EXPECT_NE(ReadFile(dir_ / "config.yaml").value().find("/nonexistent"), std::string::npos);
}

TEST_F(ConfigLayers, AnOverlayKeyPathToDevZeroFallsBackToTheGeneratedKey) {
  std::ofstream(dir_ / "config.yaml") << "ssh: {key_path: /dev/zero}\n";
  const auto store = Open("");
  EXPECT_FALSE(store->Current()->ssh.key_path.has_value());
  ASSERT_EQ(store->startup_notes().size(), 1u);
  EXPECT_NE(store->startup_notes()[0].find("character device"), std::string::npos);
}

TEST_F(ConfigLayers, TheOperatorFileKeepsItsPathsForTheCallerToJudge) {
  const auto store = Open("catalog: {path: /nonexistent/models.yaml}\n");
  EXPECT_EQ(store->Current()->catalog.path, "/nonexistent/models.yaml");
  EXPECT_EQ(store->LayerOf("catalog.path"), ConfigLayer::kOperator);
  EXPECT_TRUE(store->startup_notes().empty());
}

TEST_F(ConfigLayers, APutOfAPathThatIsNotARegularFileIsRefused) {
  const auto store = Open("");
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  const std::vector<std::string> bad_paths = {"/dev/zero", (dir_ / "fifo").string(),
                                              dir_.path().string(), (dir_ / "missing").string()};
  for (const std::string& bad : bad_paths) {
    for (const std::string key : {"catalog", "ssh"}) {
      const std::string leaf = key == "catalog" ? "path" : "key_path";
      auto refused = store->Apply({{key, {{leaf, bad}}}});
      ASSERT_FALSE(refused.ok()) << key << " " << bad;
      EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidField);
      EXPECT_EQ(refused.status().field(), key + "." + leaf);
      EXPECT_NE(refused.status().message().find(bad), std::string::npos)
          << refused.status().message();
    }
  }
  std::ofstream(dir_ / "models.yaml") << "models: []\n";
  EXPECT_TRUE(store->Apply({{"catalog", {{"path", (dir_ / "models.yaml").string()}}}}).ok());
  EXPECT_TRUE(store->Apply({{"catalog", {{"path", nullptr}}}}).ok());
}

TEST_F(ConfigLayers, CredentialsInUrlsAreMaskedAndAMaskedEchoKeepsThem) {
  const auto store = Open("open_webui: {url: 'https://admin:pw@chat.lan:3000/'}\n");
  const json described = store->Describe();
  EXPECT_EQ(described["open_webui"]["url"], "https://***@chat.lan:3000/");
  EXPECT_EQ(described.dump().find("pw@"), std::string::npos);
  // The UI sends back what it was shown: the stored URL stays.
  ASSERT_TRUE(store
                  ->Apply({{"open_webui", {{"url", "https://***@chat.lan:3000/"}}},
                           {"vllm", {{"port", 8001}}}})
                  .ok());
  EXPECT_EQ(store->Current()->open_webui.url, "https://admin:pw@chat.lan:3000/");
  EXPECT_EQ(store->Current()->vllm.port, 8001);
  // A mask that does not match the stored URL cannot be stored.
  auto refused = store->Apply({{"open_webui", {{"url", "https://***@other.lan/"}}}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "open_webui.url");
  // A whole new URL replaces it; the hf endpoint is masked the same way.
  ASSERT_TRUE(store
                  ->Apply({{"open_webui", {{"url", "https://chat.lan/"}}},
                           {"remote", {{"hf_endpoint", "https://u:t0ken@hf.lan/"}}}})
                  .ok());
  EXPECT_EQ(store->Describe()["open_webui"]["url"], "https://chat.lan/");
  EXPECT_EQ(store->Describe()["remote"]["hf_endpoint"], "https://***@hf.lan/");
  EXPECT_EQ(store->Current()->remote.hf_endpoint, "https://u:t0ken@hf.lan/");
}

TEST(ConfigMask, OnlyTheUserInfoOfTheAuthorityIsMasked) {
  EXPECT_EQ(MaskUrlCredentials("https://u:p@h/x"), "https://***@h/x");
  EXPECT_EQ(MaskUrlCredentials("http://token@h:8080"), "http://***@h:8080");
  EXPECT_EQ(MaskUrlCredentials("https://u:p@w@h/"), "https://***@h/");
  EXPECT_EQ(MaskUrlCredentials("https://h/path@x"), "https://h/path@x");
  EXPECT_EQ(MaskUrlCredentials("https://h/?q=a@b"), "https://h/?q=a@b");
  EXPECT_EQ(MaskUrlCredentials("https://huggingface.co"), "https://huggingface.co");
  EXPECT_EQ(MaskUrlCredentials("u:p@h"), "***@h");
  EXPECT_EQ(StripUrlCredentials("https://u:p@h:1/x@y"), "https://h:1/x@y");
  EXPECT_EQ(StripUrlCredentials("https://h/"), "https://h/");
  EXPECT_TRUE(HasMaskedCredentials("https://***@h/"));
  EXPECT_FALSE(HasMaskedCredentials("https://a***@h/"));
  EXPECT_FALSE(HasMaskedCredentials("https://h/***@"));
}

// One tests/testdata/config/invalid-*.yaml file per rule; its first line holds the exact
// message expected after "# expect: ".
TEST(ConfigFiles, EveryInvalidFileIsRefusedWithItsExactMessage) {
  const fs::path dir = fs::path(SPARK_SOURCE_DIR) / "tests/testdata/config";
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("invalid-", 0) != 0) continue;
    ++files;
    const std::string text = ReadFile(entry.path()).value();
    const std::string expect_tag = "# expect: ";
    ASSERT_EQ(text.rfind(expect_tag, 0), 0u) << name;
    const std::string expected =
        text.substr(expect_tag.size(), text.find('\n') - expect_tag.size());
    auto tree = ParseYamlTree(text, name);
    const std::string message =
        tree.ok() ? DecodeConfig(*tree).status().message() : tree.status().message();
    EXPECT_EQ(message, expected) << name;
  }
  EXPECT_GE(files, 8);
}

TEST(ConfigFiles, TheExampleFileIsValid) {
  const fs::path path = fs::path(SPARK_SOURCE_DIR) / "tests/testdata/config/valid-full.yaml";
  auto tree = ParseYamlTree(ReadFile(path).value(), "valid-full.yaml");
  ASSERT_TRUE(tree.ok()) << tree.status().message();
  auto config = DecodeConfig(*tree);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->services.at("magpie").cache_dir, "/srv/magpie-cache");
  EXPECT_EQ(config->http.trusted_proxies, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(config->events.max_bytes, 1LL << 30);
  EXPECT_EQ(config->update.check_interval_s, 0);  // only when asked
  EXPECT_EQ(config->recovery.backoff_s, (std::vector<double>{10, 60}));
  EXPECT_EQ(config->recovery.max_failures, 5);
  EXPECT_FALSE(config->probe.watch_connections);
}

TEST(ConfigYaml, WatchConnectionsIsABoolOnByDefaultThatReachesThePoller) {
  EXPECT_TRUE(Config{}.probe.watch_connections);
  EXPECT_TRUE(PollerOptionsFor(Config{}).watch_connections);
  const auto off = DecodeConfig(json{{"probe", {{"watch_connections", false}}}});
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_FALSE(PollerOptionsFor(*off).watch_connections);
  EXPECT_EQ(EncodeConfig(*off, true)["probe"]["watch_connections"], false);
  const auto bad = DecodeConfig(json{{"probe", {{"watch_connections", "yes"}}}});
  EXPECT_EQ(bad.status().field(), "probe.watch_connections");
}

TEST(ConfigYaml, UpdateCheckIntervalIsZeroOrAtLeastAMinute) {
  EXPECT_EQ(Config{}.update.check_interval_s, 21600);
  for (const double ok : {0.0, 60.0, 2592000.0}) {
    const auto config = DecodeConfig(json{{"update", {{"check_interval_s", ok}}}});
    ASSERT_TRUE(config.ok()) << ok << ": " << config.status().message();
    EXPECT_EQ(config->update.check_interval_s, ok);
    EXPECT_EQ(EncodeConfig(*config, true)["update"]["check_interval_s"], ok);
  }
  for (const double bad : {-1.0, 0.5, 59.0, 2592001.0}) {
    const auto config = DecodeConfig(json{{"update", {{"check_interval_s", bad}}}});
    EXPECT_EQ(config.status().field(), "update.check_interval_s") << bad;
  }
}

TEST(ConfigYaml, QuotedScalarsStayStringsAndPlainOnesAreTyped) {
  auto tree = ParseYamlTree("a: '8888'\nb: 8888\nc: ~\nd: true\ne: 1.5\nf: \"true\"\n", "t");
  ASSERT_TRUE(tree.ok());
  EXPECT_TRUE((*tree)["a"].is_string());
  EXPECT_TRUE((*tree)["b"].is_number_integer());
  EXPECT_TRUE((*tree)["c"].is_null());
  EXPECT_TRUE((*tree)["d"].is_boolean());
  EXPECT_TRUE((*tree)["e"].is_number_float());
  EXPECT_TRUE((*tree)["f"].is_string());
}

TEST(ConfigYaml, TheOverlayRoundTripsThroughYaml) {
  const json tree = EncodeConfig(Config{}, /*redact=*/false);
  auto back = ParseYamlTree(EmitYamlTree(tree), "round-trip");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, tree);
}

// Found by the config_yaml / config_patch fuzzers: std::stod threw out_of_range past the
// parser's catch, so an operator file with 1e999 aborted start-up and an accepted subnormal
// written to the overlay aborted every later start.
TEST(ConfigYaml, FloatsOutsideDoubleRangeAreValuesNotAborts) {
  auto huge = ParseYamlTree("probe: {interval_s: 1e999}\n", "op.yaml");
  ASSERT_TRUE(huge.ok()) << huge.status().message();
  auto decoded = DecodeConfig(*huge);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().field(), "probe.interval_s");

  auto tiny = ParseYamlTree("diarization: {uncertain_below: 4.9406564584124654e-324}\n", "ov");
  ASSERT_TRUE(tiny.ok()) << tiny.status().message();
  EXPECT_TRUE((*tiny)["diarization"]["uncertain_below"].is_number_float());
}

}  // namespace
}  // namespace spark
