// Golden command lines of SPARK-VLLM-DOCKER.md, and launch lines run for real through bash
// (the SSH shell) and the fake launch-cluster.sh (which joins the words after `exec` and runs
// them with `bash -c`, as the real one does) to show hostile values arrive byte for byte.
#include "controller/command_builder.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "controller/shell_quote.h"
#include "exporter/time_format.h"
#include "support/process.h"

namespace spark {
namespace {

using std::chrono::seconds;

const LaunchSpec kQwenSpec{"RedHatAI/Qwen3.6-35B-A3B-NVFP4", std::nullopt, ModelMode::kSolo, {}};

TEST(CommandBuilder, ReconcileListsTheVllmContainer) {
  const CommandBuilder builder(RemoteSettings{});
  const auto cmd = builder.Reconcile(seconds(30));
  EXPECT_EQ(
      cmd.line,
      "timeout -s KILL 40 docker ps --filter name=vllm_node --format '{{.Names}} {{.Status}}'");
  EXPECT_EQ(cmd.timeout, seconds(30));
}

TEST(CommandBuilder, StopRunsInTheCheckoutWithTheHomeExpanded) {
  const CommandBuilder builder(RemoteSettings{});
  EXPECT_EQ(builder.StopCluster(seconds(180)).line,
            "cd ~/spark-vllm-docker && timeout -s KILL 190 ./launch-cluster.sh stop");
}

TEST(CommandBuilder, LaunchSoloModel) {
  const CommandBuilder builder(RemoteSettings{});
  auto cmd = builder.Launch(kQwenSpec, seconds(300));
  ASSERT_TRUE(cmd.ok()) << cmd.status().message();
  EXPECT_EQ(
      cmd->line,
      "cd ~/spark-vllm-docker && timeout -s KILL 310 ./launch-cluster.sh --solo -d exec vllm serve "
      "RedHatAI/Qwen3.6-35B-A3B-NVFP4 --host 0.0.0.0 --port 8888");
  EXPECT_EQ(builder.LaunchDisplay(kQwenSpec).value(),
            "cd ~/spark-vllm-docker && ./launch-cluster.sh --solo -d exec vllm serve "
            "RedHatAI/Qwen3.6-35B-A3B-NVFP4 --host 0.0.0.0 --port 8888");
}

TEST(CommandBuilder, LaunchClusterModelAddsTensorParallelFromTheMode) {
  const CommandBuilder builder(RemoteSettings{});
  const LaunchSpec spec{
      "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8",
      std::nullopt,
      ModelMode::kCluster,
      {"--max-model-len", "32768", "--gpu-memory-utilization=0.9", "--enable-prefix-caching"}};
  EXPECT_EQ(
      builder.Launch(spec, seconds(300))->line,
      "cd ~/spark-vllm-docker && timeout -s KILL 310 ./launch-cluster.sh -d exec vllm serve "
      "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8 --host 0.0.0.0 --port 8888 --tensor-parallel-size 2 "
      "--max-model-len 32768 --gpu-memory-utilization 0.9 --enable-prefix-caching");
}

TEST(CommandBuilder, LaunchHonoursSettingsAndServedName) {
  const CommandBuilder builder(RemoteSettings{"/opt/spark vllm", "vllm_alt", 9001});
  const LaunchSpec spec{"google/gemma-4-26B-A4B-it", "gemma 4", ModelMode::kSolo, {}};
  EXPECT_EQ(builder.LaunchDisplay(spec).value(),
            "cd '/opt/spark vllm' && ./launch-cluster.sh --name vllm_alt --solo -d exec vllm serve "
            "google/gemma-4-26B-A4B-it --host 0.0.0.0 --port 9001 --served-model-name "
            R"(''\''gemma 4'\''')");
  EXPECT_EQ(builder.StopCluster(seconds(10)).line,
            "cd '/opt/spark vllm' && timeout -s KILL 20 ./launch-cluster.sh --name vllm_alt stop");
  EXPECT_EQ(
      builder.Reconcile(seconds(5)).line,
      "timeout -s KILL 15 docker ps --filter name=vllm_alt --format '{{.Names}} {{.Status}}'");
}

TEST(CommandBuilder, LaunchRefusesHostileModels) {
  const CommandBuilder builder(RemoteSettings{});
  auto bad_repo = builder.Launch({"x$(touch /tmp/pwned)", std::nullopt, ModelMode::kSolo, {}});
  EXPECT_EQ(bad_repo.status().field(), "hf_repo");
  auto bad_args = builder.Launch({"a/b", std::nullopt, ModelMode::kSolo, {"--port", "1"}});
  EXPECT_EQ(bad_args.status().field(), "args[0]");
  auto tp_in_args =
      builder.Launch({"a/b", std::nullopt, ModelMode::kCluster, {"--tensor-parallel-size", "4"}});
  EXPECT_EQ(tp_in_args.status().field(), "args[0]");
  for (const char* name : {"--help", "", "a\nb"}) {
    EXPECT_EQ(builder.Launch({"a/b", std::string(name), ModelMode::kSolo, {}}).status().field(),
              "served_name")
        << name;
  }
}

// Runs `line` as sshd would (`bash -c LINE`, the outer shell) in `dir`, where checkout/ holds
// the fake launch-cluster.sh: it joins the words after `exec` and runs them with `bash -c`,
// as the real script does, and its `vllm` writes its argv to state/launch_args.
std::vector<std::string> LaunchedArgv(const std::filesystem::path& dir, const std::string& line) {
  std::filesystem::remove(dir / "state/launch_args");
  std::filesystem::remove_all(dir / "state/containers");
  const std::string script = "SPARK_FAKE_STATE=" + ShellQuote((dir / "state").string()) +
                             "; export SPARK_FAKE_STATE; " + line + " >/dev/null";
  EXPECT_EQ(std::system(("bash -c " + ShellQuote(script)).c_str()), 0) << script;
  std::ifstream in(dir / "state/launch_args", std::ios::binary);
  std::stringstream raw;
  raw << in.rdbuf();
  std::vector<std::string> got;
  std::string word;
  for (char c : raw.str()) {
    if (c == '\0') {
      got.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  return got;
}

class LaunchReparse : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(checkout_);
    std::filesystem::create_directories(dir_ / "state");
    std::filesystem::copy_file(
        std::filesystem::path(SPARK_SOURCE_DIR) / "tests/testdata/fakes/launch-cluster.sh",
        checkout_ / "launch-cluster.sh");
  }
  test::TempDir dir_;
  const std::filesystem::path checkout_ = dir_ / "checkout $(x)";
  const std::string canary_ = (dir_ / "CANARY").string();
};

TEST_F(LaunchReparse, HostileValuesSurviveBothShellsByteForByte) {
  // Newlines are refused by the allow-list (shell_quote_test covers them in quoting).
  const std::vector<std::string> values = {
      "x;touch " + canary_,
      "x$(touch " + canary_ + ")'; touch " + canary_ + "; '`touch " + canary_ + "` ünï",
      "a  b\\ \"c\" $HOME ${IFS} !x * ~ #",
      "'",
      "it's",
  };
  const CommandBuilder builder(RemoteSettings{checkout_.string(), "vllm_node", 8888});
  for (const std::string& value : values) {
    // Without a served name too: an unbalanced quote in one word would hide the others.
    for (const std::optional<std::string>& name :
         {std::optional<std::string>(), std::optional("it's $(touch " + canary_ + ") " + value)}) {
      const LaunchSpec spec{"Qwen/Qwen3-0.6B",
                            name,
                            ModelMode::kSolo,
                            {"--chat-template", value, "--tokenizer=" + value}};
      auto cmd = builder.Launch(spec, seconds(30));
      ASSERT_TRUE(cmd.ok()) << cmd.status().message();
      std::vector<std::string> expected = {
          "vllm", "serve", "Qwen/Qwen3-0.6B", "--host", "0.0.0.0", "--port", "8888"};
      if (name) expected.insert(expected.end(), {"--served-model-name", *name});
      expected.insert(expected.end(), {"--chat-template", value, "--tokenizer", value});
      EXPECT_EQ(LaunchedArgv(dir_.path(), cmd->line), expected) << cmd->line;
      EXPECT_FALSE(std::filesystem::exists(canary_)) << cmd->line;
    }
  }
}

TEST_F(LaunchReparse, AJsonValueArrivesAsOneWord) {
  const CommandBuilder builder(RemoteSettings{checkout_.string(), "vllm_node", 8888});
  const LaunchSpec spec{"Qwen/Qwen3-0.6B",
                        std::nullopt,
                        ModelMode::kCluster,
                        {"--hf-overrides", R"({"a": 1})", "--max-model-len", "4096"}};
  auto cmd = builder.Launch(spec, seconds(30));
  ASSERT_TRUE(cmd.ok()) << cmd.status().message();
  EXPECT_EQ(LaunchedArgv(dir_.path(), cmd->line),
            (std::vector<std::string>{"vllm", "serve", "Qwen/Qwen3-0.6B", "--host", "0.0.0.0",
                                      "--port", "8888", "--tensor-parallel-size", "2",
                                      "--hf-overrides", R"({"a": 1})", "--max-model-len", "4096"}));
}

TEST(CommandBuilder, WordsAfterExecAreQuotedForTheScriptsShellToo) {
  const CommandBuilder builder(RemoteSettings{});
  const LaunchSpec spec{
      "Qwen/Qwen3-0.6B",
      std::nullopt,
      ModelMode::kSolo,
      {"--chat-template", "x;touch /tmp/CANARY", "--hf-overrides", R"({"a": 1})"}};
  // Safe words stay bare (the script still sees `--port 8888` as words); the others are
  // quoted once for the script's `bash -c` and that again for the SSH shell.
  const std::string after_exec =
      "vllm serve Qwen/Qwen3-0.6B --host 0.0.0.0 --port 8888 --chat-template "
      R"(''\''x;touch /tmp/CANARY'\''' --hf-overrides ''\''{"a": 1}'\''')";
  EXPECT_EQ(builder.Launch(spec, seconds(300))->line,
            "cd ~/spark-vllm-docker && timeout -s KILL 310 ./launch-cluster.sh --solo -d exec " +
                after_exec);
  // GET /api/models shows the line that runs, without the timeout bound.
  EXPECT_EQ(builder.LaunchDisplay(spec).value(),
            "cd ~/spark-vllm-docker && ./launch-cluster.sh --solo -d exec " + after_exec);
}

TEST(CommandBuilder, TrustRemoteCodeLaunchesOnlyWhenTheSettingsAllowIt) {
  const LaunchSpec spec{"Qwen/Qwen3-0.6B", std::nullopt, ModelMode::kSolo, {"--trust-remote-code"}};
  const auto refused = CommandBuilder(RemoteSettings{}).Launch(spec);
  EXPECT_EQ(refused.status().field(), "args[0]");
  EXPECT_NE(refused.status().message().find("security.allow_trust_remote_code"), std::string::npos);
  EXPECT_FALSE(CommandBuilder(RemoteSettings{}).LaunchDisplay(spec).ok());
  RemoteSettings allowed;
  allowed.allow_trust_remote_code = true;
  const auto launch = CommandBuilder(allowed).Launch(spec);
  ASSERT_TRUE(launch.ok()) << launch.status().message();
  EXPECT_TRUE(launch->line.ends_with(" --trust-remote-code")) << launch->line;
  Config config;
  config.security.allow_trust_remote_code = true;
  EXPECT_TRUE(RemoteSettings::FromConfig(config).allow_trust_remote_code);
}

// Relative to the Spark's clock (SkewedSparkClock in the fault matrix: an absolute time from
// our clock hid every line of a Spark an hour behind).
TEST(CommandBuilder, FollowLogsSinceALookbackOnTheSparksClock) {
  const CommandBuilder builder(RemoteSettings{});
  EXPECT_EQ(builder.FollowLogs(std::chrono::milliseconds(30500), seconds(1200)).line,
            "timeout -s KILL 1210 docker logs -f --since 31s vllm_node");
  EXPECT_EQ(builder.FollowLogs(seconds(0), seconds(10)).line,
            "timeout -s KILL 20 docker logs -f --since 1s vllm_node");
}

TEST(CommandBuilder, ContainerActions) {
  const CommandBuilder builder(RemoteSettings{});
  EXPECT_EQ(builder.Container(ContainerAction::kRestart, "parakeet", seconds(120))->line,
            "timeout -s KILL 130 docker restart parakeet");
  EXPECT_EQ(builder.Container(ContainerAction::kStart, "magpie", seconds(120))->line,
            "timeout -s KILL 130 docker start magpie");
  EXPECT_EQ(builder.Container(ContainerAction::kStop, "magpie", seconds(1))->line,
            "timeout -s KILL 11 docker stop magpie");
  for (const char* name : {"a;reboot", "--help", "", "x$(id)", "-a", "a b"}) {
    EXPECT_EQ(builder.Container(ContainerAction::kStart, name).status().code(),
              ErrorCode::kInvalidField)
        << name;
  }
}

TEST(CommandBuilder, ChownCacheOnlyForARealDirectory) {
  const CommandBuilder builder(RemoteSettings{});
  EXPECT_EQ(builder.ChownCache("/srv/magpie cache", seconds(600))->line,
            "timeout -s KILL 610 chown -R 1000:1000 '/srv/magpie cache'");
  EXPECT_EQ(builder.ChownCache("~/.cache/magpie", seconds(600))->line,
            "timeout -s KILL 610 chown -R 1000:1000 ~/.cache/magpie");
  for (const char* dir :
       {"/", "//", "~", "~/", "~//", "relative/dir", "/a/../b", "/srv/..", "..", "/srv/x\ny", ""}) {
    const auto cmd = builder.ChownCache(dir);
    EXPECT_FALSE(cmd.ok()) << dir;
    EXPECT_EQ(cmd.status().field(), "cache_dir") << dir;
  }
}

TEST(CommandBuilder, SessionProtocol) {
  EXPECT_EQ(CommandBuilder::ReportSession("docker ps"), "echo spark-control-session=$$; docker ps");
  EXPECT_EQ(CommandBuilder::KillSession(4242)->line, "timeout -s KILL 20 pkill -KILL -s 4242");
  for (long id : {1L, 0L, -1L, -4242L}) {
    EXPECT_FALSE(CommandBuilder::KillSession(id).ok()) << id;
  }
}

TEST(CommandBuilder, RemoteSettingsFromConfig) {
  Config config;
  config.vllm.port = 8999;
  config.remote.vllm_docker_dir = "/srv/svd";
  const RemoteSettings s = RemoteSettings::FromConfig(config);
  EXPECT_EQ(s.vllm_port, 8999);
  EXPECT_EQ(s.vllm_docker_dir, "/srv/svd");
  EXPECT_EQ(s.vllm_container, "vllm_node");
}

}  // namespace
}  // namespace spark
