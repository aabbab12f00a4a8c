// The process contract of API.md "Process": flags, exit codes, the listening line, SIGTERM,
// persistence across restarts.
#include "support/process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/eventually.h"
#include "support/http.h"

namespace spark::test {
namespace {

using json = nlohmann::json;

// Runs the binary to completion; its exit code and stderr.
std::pair<int, std::string> RunToExit(std::vector<std::string> args,
                                      std::map<std::string, std::string> env = {}) {
  TempDir logs;
  std::vector<std::string> argv = {SPARK_CONTROL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv, env, (logs / "err").string());
  const int code = child.Wait(10000);
  std::ifstream in(logs / "err");
  return {code, std::string(std::istreambuf_iterator<char>(in), {})};
}

// Runs the binary to completion with `yaml` as its operator file, DIR/operator.yaml.
std::pair<int, std::string> RunWithOperatorFile(const TempDir& dir, const std::string& yaml) {
  std::ofstream(dir / "operator.yaml") << yaml;
  return RunToExit(
      {"--config", (dir / "operator.yaml").string(), "--data-dir", (dir / "data").string()});
}

TEST(Process, ServesHealthzAndStopsWithinTwoSecondsOnSigterm) {
  TempDir data;
  SparkControl app({"--data-dir", data.path().string()});
  EXPECT_EQ(Get(app.url() + "/healthz").body, R"({"ok":true})");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(app.process().Stop(SIGTERM, 2000), 0) << app.StderrText();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(Process, StopsCleanlyOnSigintWithAnOpenEventStream) {
  TempDir data;
  SparkControl app({"--data-dir", data.path().string()});
  std::atomic<bool> connected{false};
  std::thread reader([&] {
    ReadStream(app.url() + "/api/events/stream", {}, 5000, [&](const std::string& s) {
      if (s.find(": connected") != std::string::npos) connected = true;
      return false;
    });
  });
  EXPECT_TRUE(Eventually([&] { return connected.load(); })) << "the stream did not connect";
  EXPECT_EQ(app.process().Stop(SIGINT, 2000), 0) << app.StderrText();
  reader.join();
}

TEST(Process, VersionAndHelpExitZero) {
  auto [code, err] = RunToExit({"--version"});
  EXPECT_EQ(code, 0);
  EXPECT_EQ(RunToExit({"--help"}).first, 0);
}

TEST(Process, BadCommandLineExitsTwo) {
  EXPECT_EQ(RunToExit({"--no-such-flag"}).first, 2);
  EXPECT_EQ(RunToExit({"--listen"}).first, 2);
  EXPECT_EQ(RunToExit({"--log-level", "loud"}).first, 2);
  auto [code, err] = RunToExit({"--listen", "[::1]:9999"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("IPv6 is not supported"), std::string::npos) << err;
}

TEST(Process, InvalidOperatorConfigExitsTwoNamingFileAndKey) {
  TempDir dir;
  auto [code, err] =
      RunWithOperatorFile(dir, "sparks:\n  spark1: {host: 10.0.0.11, port: 70000}\n");
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find((dir / "operator.yaml").string()), std::string::npos) << err;
  EXPECT_NE(err.find("sparks.spark1.port"), std::string::npos) << err;
  auto [code2, err2] = RunWithOperatorFile(dir, "sparkz: {}\n");
  EXPECT_EQ(code2, 2);
  EXPECT_NE(err2.find("sparkz: unknown key"), std::string::npos) << err2;
}

TEST(Process, ADuplicateClusterNameExitsTwoFromTheFileAndIs400FromPut) {
  TempDir dir;
  auto [code, err] =
      RunWithOperatorFile(dir, "cluster: lab\nclusters:\n  - {name: prod}\n  - {name: lab}\n");
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find((dir / "operator.yaml").string() +
                     ": clusters[1].name: 'lab' is already the name of the "
                     "default cluster (`cluster`)"),
            std::string::npos)
      << err;

  SparkControl app({"--data-dir", (dir / "b").string()});
  ASSERT_EQ(SendJson("PUT", app.url() + "/api/config", R"({"clusters":[{"name":"prod"}]})").status,
            200);
  const Reply refused = SendJson("PUT", app.url() + "/api/config",
                                 R"({"clusters":[{"name":"prod"},{"name":"prod"}]})");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"]["field"], "clusters[1].name") << refused.body;
  const json config = json::parse(Get(app.url() + "/api/config").body);
  ASSERT_EQ(config["clusters"].size(), 1u) << config.dump();
  EXPECT_EQ(config["clusters"][0]["name"], "prod");
}

TEST(Process, PortInUseExitsOne) {
  TempDir dir;
  SparkControl first({"--data-dir", (dir / "a").string()});
  const std::string port = first.url().substr(first.url().rfind(':') + 1);
  auto [code, err] =
      RunToExit({"--listen", "127.0.0.1:" + port, "--data-dir", (dir / "b").string()});
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("cannot listen"), std::string::npos) << err;
}

TEST(Process, EventIdsContinueAcrossRestartAndTheOverlaySurvives) {
  TempDir dir;
  const std::vector<std::string> flags = {"--data-dir", dir.path().string()};
  uint64_t last = 0;
  {
    SparkControl app(flags);
    for (int i = 0; i < 3; ++i) {
      const Reply r = SendJson("POST", app.url() + "/api/health-event",
                               R"({"service":"vllm","ok":true,"source":"t"})");
      ASSERT_EQ(r.status, 202) << r.body;
      last = json::parse(r.body)["id"];
    }
    const Reply put =
        SendJson("PUT", app.url() + "/api/config", R"({"sparks":{"spark1":{"host":"10.9.8.7"}}})");
    ASSERT_EQ(put.status, 200) << put.body;
    ASSERT_EQ(app.process().Stop(SIGKILL, 2000),
              128 + SIGKILL);  // nothing acknowledged may be lost
  }
  SparkControl again(flags);
  const Reply r =
      SendJson("POST", again.url() + "/api/health-event", R"({"service":"vllm","ok":true})");
  ASSERT_EQ(r.status, 202);
  EXPECT_GT(json::parse(r.body)["id"].get<uint64_t>(), last);
  const json all = json::parse(Get(again.url() + "/api/events?type=report&limit=1000").body);
  int reports = 0;
  for (const auto& e : all["events"]) reports += e["source"] == "t";
  EXPECT_EQ(reports, 3);
  EXPECT_EQ(json::parse(Get(again.url() + "/api/config").body)["sparks"]["spark1"]["host"],
            "10.9.8.7");
}

TEST(Process, ACorruptOverlayIsSetAsideAndStartupContinues) {
  TempDir dir;
  std::ofstream(dir / "config.yaml") << "sparks: [this is: not valid\n";
  SparkControl app({"--data-dir", dir.path().string()});
  EXPECT_EQ(Get(app.url() + "/healthz").status, 200);
  bool set_aside = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    set_aside |= entry.path().filename().string().rfind("config.yaml.corrupt-", 0) == 0;
  }
  EXPECT_TRUE(set_aside);
  const json status = json::parse(Get(app.url() + "/api/status").body);
  EXPECT_FALSE(status["warnings"].empty());
}

TEST(Process, EnvironmentPinsKeysAgainstPut) {
  TempDir dir;
  SparkControl app({"--data-dir", dir.path().string()}, {{"SPARK1_HOST", "10.0.0.11"}});
  const json config = json::parse(Get(app.url() + "/api/config").body);
  EXPECT_EQ(config["sparks"]["spark1"]["host"], "10.0.0.11");
  EXPECT_EQ(config["pinned"], json::array({"sparks.spark1.host"}));
  const Reply put =
      SendJson("PUT", app.url() + "/api/config", R"({"sparks":{"spark1":{"host":"10.0.0.99"}}})");
  EXPECT_EQ(put.status, 409);
  EXPECT_EQ(json::parse(put.body)["error"]["code"], "pinned");
  EXPECT_NE(json::parse(put.body)["error"]["message"].get<std::string>().find("SPARK1_HOST"),
            std::string::npos);
}

}  // namespace
}  // namespace spark::test
