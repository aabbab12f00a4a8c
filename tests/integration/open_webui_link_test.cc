// The "Open in Open WebUI" deep link of GET /api/endpoints, from the real binary: the demo
// serves qwen36, so the link selects it; the configured user info never shows.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/eventually.h"
#include "support/http.h"
#include "support/process.h"

namespace spark::test {
namespace {

TEST(OpenWebUiDeepLink, SelectsTheServedModelAndHidesTheUserInfo) {
  TempDir dir;
  // In the overlay: the demo layer (its own Open WebUI link) sits above the operator file.
  std::filesystem::create_directories(dir.path() / "data");
  std::ofstream(dir.path() / "data" / "config.yaml")
      << "open_webui: {url: 'https://admin:hunter2@chat.lan:3000/?lang=de'}\n";
  SparkControl app({"--demo", "--data-dir", (dir.path() / "data").string()});
  nlohmann::json vllm;
  ASSERT_TRUE(Eventually(
      [&] {
        vllm = nlohmann::json::parse(Get(app.url() + "/api/endpoints").body)["vllm"];
        return vllm.value("ready", false);
      },
      std::chrono::seconds(10)))
      << vllm;
  EXPECT_EQ(vllm["open_webui_url"],
            "https://chat.lan:3000/?lang=de&models=RedHatAI%2FQwen3.6-35B-A3B-NVFP4");
}

}  // namespace
}  // namespace spark::test
