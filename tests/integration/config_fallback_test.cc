// Nothing written through the API can stop the next start: a catalog.path or ssh.key_path in
// the overlay that cannot be used falls back (bundled catalog, generated key) and is shown in
// /api/status warnings; the operator file keeps its exit-2 rule. Paths that are not regular
// files are refused by PUT at once; credentials in URLs never leave the process.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

bool AnyContains(const json& list, const std::string& part) {
  for (const auto& item : list) {
    if (item.get<std::string>().find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(ConfigFallback, AnOverlayCatalogPathToAMissingFileStillStartsAndWarns) {
  TempDir data;
  std::ofstream(data / "config.yaml")
      << "catalog: {path: " << (data / "gone.yaml").string() << "}\n";
  SparkControl app({"--data-dir", data.path().string()});
  const json status = json::parse(Get(app.url() + "/api/status").body);
  EXPECT_TRUE(AnyContains(status["warnings"], "catalog.path")) << status["warnings"].dump();
  EXPECT_TRUE(AnyContains(status["warnings"], (data / "gone.yaml").string()));
  const json models = json::parse(Get(app.url() + "/api/models").body);
  EXPECT_EQ(models["models"].size(), 5u);  // the bundled catalog
  EXPECT_TRUE(json::parse(Get(app.url() + "/api/config").body)["catalog"]["path"].is_null());
}

TEST(ConfigFallback, AnOverlayCatalogThatDoesNotDecodeStillStartsAndWarns) {
  TempDir data;
  std::ofstream(data / "bad-models.yaml") << "models: [this is not: a catalog\n";
  std::ofstream(data / "config.yaml")
      << "catalog: {path: " << (data / "bad-models.yaml").string() << "}\n";
  SparkControl app({"--data-dir", data.path().string()});
  const json status = json::parse(Get(app.url() + "/api/status").body);
  EXPECT_TRUE(AnyContains(status["warnings"], "using the bundled catalog")) << status.dump();
}

TEST(ConfigFallback, AnOverlayKeyPathToDevZeroStartsWithTheGeneratedKey) {
  TempDir data;
  std::ofstream(data / "config.yaml") << "ssh: {key_path: /dev/zero}\n";
  SparkControl app({"--data-dir", data.path().string()});
  const json status = json::parse(Get(app.url() + "/api/status").body);
  EXPECT_TRUE(AnyContains(status["warnings"], "ssh.key_path")) << status["warnings"].dump();
  EXPECT_TRUE(json::parse(Get(app.url() + "/api/config").body)["ssh"]["key_path"].is_null());
}

TEST(ConfigFallback, AMissingCatalogPathInTheOperatorFileExitsTwoNamingIt) {
  TempDir dir;
  std::ofstream(dir / "operator.yaml") << "catalog: {path: /nonexistent/models.yaml}\n";
  std::vector<std::string> argv = {SPARK_CONTROL_BIN,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--config",
                                   (dir / "operator.yaml").string(),
                                   "--data-dir",
                                   (dir / "data").string()};
  ChildProcess child(argv, {}, (dir / "err").string());
  EXPECT_EQ(child.Wait(10000), 2);
  std::ifstream in(dir / "err");
  const std::string err((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(err.find("catalog.path"), std::string::npos) << err;
  EXPECT_NE(err.find("/nonexistent/models.yaml"), std::string::npos) << err;
}

TEST(ConfigFallback, PutRefusesDevZeroAndAFifoAtOnce) {
  TempDir data;
  ASSERT_EQ(::mkfifo((data / "fifo").c_str(), 0600), 0);
  SparkControl app({"--data-dir", data.path().string()});
  const auto start = std::chrono::steady_clock::now();
  const Reply zero =
      SendJson("PUT", app.url() + "/api/config", R"({"catalog":{"path":"/dev/zero"}})");
  EXPECT_EQ(zero.status, 400) << zero.body;
  EXPECT_EQ(ErrorField(zero), "catalog.path");
  const Reply fifo = SendJson("PUT", app.url() + "/api/config",
                              json{{"ssh", {{"key_path", (data / "fifo").string()}}}}.dump());
  EXPECT_EQ(fifo.status, 400) << fifo.body;
  EXPECT_EQ(ErrorField(fifo), "ssh.key_path");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(ConfigFallback, CredentialsInUrlsAreMaskedInConfigAndLeftOutOfEndpoints) {
  TempDir data;
  SparkControl app({"--data-dir", data.path().string()});
  const Reply put = SendJson("PUT", app.url() + "/api/config",
                             R"({"open_webui":{"url":"https://admin:hunter2@chat.lan/"},)"
                             R"("remote":{"hf_endpoint":"https://tok@hf.lan"}})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body.find("hunter2"), std::string::npos) << put.body;
  const std::string config = Get(app.url() + "/api/config").body;
  EXPECT_EQ(config.find("hunter2"), std::string::npos);
  EXPECT_EQ(json::parse(config)["open_webui"]["url"], "https://***@chat.lan/");
  EXPECT_EQ(json::parse(config)["remote"]["hf_endpoint"], "https://***@hf.lan");
  const std::string endpoints = Get(app.url() + "/api/endpoints").body;
  EXPECT_EQ(endpoints.find("hunter2"), std::string::npos) << endpoints;
  EXPECT_EQ(json::parse(endpoints)["vllm"]["open_webui_url"], "https://chat.lan/");
  // The settings form sends back what it showed: the real URL stays on disk.
  const Reply masked = SendJson("PUT", app.url() + "/api/config",
                                R"({"open_webui":{"url":"https://***@chat.lan/"}})");
  ASSERT_EQ(masked.status, 200) << masked.body;
  std::ifstream in(data / "config.yaml");
  const std::string overlay((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(overlay.find("admin:hunter2@chat.lan"), std::string::npos) << overlay;
}

}  // namespace
}  // namespace spark::test
