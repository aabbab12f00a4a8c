// Swaps and service actions end to end: the real spark-control binary drives Debian's real
// OpenSSH server on loopback (tests/support/sshd.h), whose session PATH holds the fake
// launch-cluster.sh and docker of tests/testdata/fakes; a fake vLLM on loopback serves
// whatever model the fake container runs. Every wait is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "swap_fixture.h"

namespace spark::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(SwapTest, ASwapStopsTheOldModelStreamsTheLogAndServesTheNewOne) {
  RunningContainer("Qwen/Qwen2.5-72B-Instruct");
  StartApp();
  TrustHost();
  const std::string id = Swap("qwen36");
  // The log as a browser reads it: replayed from the first line, live, then `end`.
  const std::string log =
      ReadStream(Url("/api/jobs/" + id + "/log"), {}, 90000,
                 [](const std::string& s) { return s.find("event: end") != std::string::npos; });
  EXPECT_NE(log.find("Stopping vllm_node on head node"), std::string::npos) << log;
  EXPECT_NE(log.find("Loading safetensors checkpoint shards:  50% Completed"), std::string::npos);
  EXPECT_NE(log.find("Application startup complete."), std::string::npos);
  ASSERT_NE(log.find("event: end"), std::string::npos) << log;
  const json end = json::parse(log.substr(log.find("data: ", log.find("event: end")) + 6,
                                          log.find('\n', log.find("event: end") + 11) -
                                              log.find("data: ", log.find("event: end")) - 6));
  EXPECT_EQ(end["state"], "succeeded") << end.dump();
  EXPECT_EQ(end["progress"]["phase"], "ready");

  // What ran on the Spark: exactly the documented launch line, port from the config.
  const std::string args = ReadText(sshd_.state() / "launch_args");
  EXPECT_EQ(args, std::string("vllm\0serve\0", 11) + kQwen36 + std::string("\0--host\0", 8) +
                      std::string("0.0.0.0\0--port\0", 15) + std::to_string(vllm_.port()) +
                      std::string("\0", 1));
  // The probe was re-run before success: discovery and metrics show the model at once.
  const json endpoints = json::parse(Get(Url("/api/endpoints")).body);
  EXPECT_EQ(endpoints["vllm"]["model"], kQwen36) << endpoints.dump();
  EXPECT_EQ(endpoints["vllm"]["ready"], true);
  EXPECT_EQ(json::parse(Get(Url("/api/status")).body)["model"]["id"], "qwen36");
  EXPECT_EQ(Metric("spark_control_swaps_total{cluster=\"default\",outcome=\"succeeded\"}"), 1);
  EXPECT_EQ(Metric("spark_control_model_info{cluster=\"default\",model=\"qwen36\",served_name=\"" +
                   std::string(kQwen36) + "\",mode=\"solo\"}"),
            1);
  EXPECT_EQ(Metric("spark_control_ssh_up{cluster=\"default\",spark=\"spark1\"}"), 1);
  EXPECT_EQ(Metric("spark_control_swap_duration_seconds_count{cluster=\"default\"}"), 1);
  // A model that is current is marked in the catalog.
  const json models = json::parse(Get(Url("/api/models")).body);
  for (const auto& m : models["models"]) {
    EXPECT_EQ(m["current"], m["id"] == "qwen36") << m.dump();
  }
}

TEST_F(SwapTest, OneSwapAtATimeAndCancelStopsTheContainer) {
  sshd_.SetFake("log_delay", "0.5");
  StartApp();
  TrustHost();
  const std::string id = Swap("gemma4");
  const Reply second = SendJson("POST", Url("/api/swap"), R"({"model":"qwen36"})");
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(json::parse(second.body)["error"]["code"], "swap_running");
  // Cancel once the container is up and loading.
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (!ContainerExists() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(ContainerExists());
  EXPECT_EQ(Http("DELETE", Url("/api/jobs/" + id)).status, 202);
  const json job = WaitJob(id);
  EXPECT_EQ(job["state"], "cancelled") << job.dump();
  EXPECT_FALSE(ContainerExists()) << "cancel must stop the half-started vLLM";
  EXPECT_EQ(Http("DELETE", Url("/api/jobs/" + id)).status, 409);
  EXPECT_EQ(Metric("spark_control_swaps_total{cluster=\"default\",outcome=\"cancelled\"}"), 1);
}

TEST_F(SwapTest, AFailedLaunchFailsWithTheRemoteErrorInTheLogTail) {
  sshd_.SetFake("launch_mode", "fail");
  StartApp();
  TrustHost();
  const json job = WaitJob(Swap("qwen36"));
  EXPECT_EQ(job["state"], "failed");
  EXPECT_EQ(job["error"]["code"], "remote_command_failed") << job.dump();
  EXPECT_NE(job["error"]["log_tail"].dump().find("image vllm-node not found"), std::string::npos)
      << job.dump();
  EXPECT_EQ(Metric("spark_control_swaps_total{cluster=\"default\",outcome=\"failed\"}"), 1);
}

TEST_F(SwapTest, AnEngineThatDiesWhileLoadingFailsTheSwap) {
  sshd_.SetFake("logs_mode", "engine_dead");
  StartApp();
  TrustHost();
  const json job = WaitJob(Swap("qwen36"));
  EXPECT_EQ(job["error"]["code"], "engine_failed") << job.dump();
  EXPECT_NE(job["error"]["message"].get<std::string>().find("EngineDeadError"), std::string::npos);
}

TEST_F(SwapTest, ASilentLogTripsTheWatchdogAndStopsTheContainer) {
  sshd_.SetFake("logs_mode", "silent");
  StartApp("swap: {silent_log_s: 3}\n");
  TrustHost();
  const json job = WaitJob(Swap("qwen36"));
  EXPECT_EQ(job["error"]["code"], "silent_log") << job.dump();
  EXPECT_FALSE(ContainerExists());
}

TEST_F(SwapTest, AnUnknownHostKeyFailsWithItsFingerprintUntilTheUserConfirmsIt) {
  StartApp();
  const std::string fingerprint = sshd_.HostKeyFingerprint();
  const json job = WaitJob(Swap("qwen36"));
  EXPECT_EQ(job["error"]["code"], "host_key_unknown") << job.dump();
  EXPECT_EQ(job["error"]["fingerprint"], fingerprint);
  // A wrong fingerprint is refused; the right one is stored and the swap works.
  const Reply wrong =
      SendJson("POST", Url("/api/ssh/known-hosts/spark1"),
               R"({"fingerprint":"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})");
  EXPECT_EQ(wrong.status, 409) << wrong.body;
  TrustHost();
  EXPECT_NE(ReadText(dir_ / "data/ssh/known_hosts").find("ssh-ed25519"), std::string::npos);
  EXPECT_EQ(WaitJob(Swap("qwen36"))["state"], "succeeded");
}

TEST_F(SwapTest, AChangedHostKeyIsNeverAccepted) {
  StartApp();
  TrustHost();
  sshd_.Stop();
  sshd_.RegenerateHostKey();
  sshd_.Start();
  const json job = WaitJob(Swap("qwen36"));
  EXPECT_EQ(job["error"]["code"], "host_key_mismatch") << job.dump();
  EXPECT_EQ(job["error"]["fingerprint"], sshd_.HostKeyFingerprint());
  EXPECT_FALSE(ContainerExists());
}

TEST_F(SwapTest, ASparkWithoutSshdFailsAsUnreachable) {
  StartApp();
  TrustHost();
  sshd_.Stop();
  const json job = WaitJob(Swap("qwen36"), seconds(60));
  EXPECT_EQ(job["error"]["code"], "ssh_unreachable") << job.dump();
}

TEST_F(SwapTest, AKeyTheSparkDoesNotAcceptFailsAsAuthFailed) {
  TempDir keys;
  GenerateSshKey("ed25519", keys / "other");
  StartApp("", (keys / "other").string());
  TrustHost();
  const json job = WaitJob(Swap("qwen36"));
  EXPECT_EQ(job["error"]["code"], "ssh_auth_failed") << job.dump();
}

TEST_F(SwapTest, ServiceActionsRunDockerOnTheServicesSpark) {
  StartApp();
  TrustHost();
  auto act = [&](const std::string& action) {
    const Reply r = SendJson("POST", Url("/api/services/parakeet/" + action), "");
    EXPECT_EQ(r.status, 202) << r.body;
    return WaitJob(json::parse(r.body)["job"]["id"]);
  };
  EXPECT_EQ(act("start")["state"], "succeeded");
  EXPECT_TRUE(std::filesystem::exists(sshd_.state() / "containers/parakeet"));
  EXPECT_EQ(act("stop")["state"], "succeeded");
  EXPECT_FALSE(std::filesystem::exists(sshd_.state() / "containers/parakeet"));
  sshd_.SetFake("docker_fail", "Error response from daemon: No such container: parakeet");
  const json failed = act("restart");
  EXPECT_EQ(failed["error"]["code"], "remote_command_failed") << failed.dump();
  EXPECT_NE(failed["error"]["log_tail"].dump().find("No such container"), std::string::npos);
  // Unknown services and actions are input errors; Magpie's cache fix needs its cache_dir.
  EXPECT_EQ(SendJson("POST", Url("/api/services/nope/restart"), "").status, 400);
  EXPECT_EQ(SendJson("POST", Url("/api/services/parakeet/explode"), "").status, 400);
  EXPECT_EQ(SendJson("POST", Url("/api/services/magpie/fix-cache-ownership"), "").status, 503);
}

TEST_F(SwapTest, HostileModelInputNeverReachesAShell) {
  StartApp();
  TrustHost();
  const std::string pwned = (sshd_.scratch() / "pwned").string();
  const std::string touch = "$(touch " + pwned + ")";
  for (const json& body : {
           json{{"name", "x"}, {"hf_repo", "x" + touch}, {"mode", "solo"}},
           json{{"name", "x"},
                {"hf_repo", "Qwen/Qwen3-0.6B"},
                {"mode", "solo"},
                {"args", {"--max-model-len", "1;touch " + pwned}}},
           json{{"name", "x"},
                {"hf_repo", "Qwen/Qwen3-0.6B"},
                {"mode", "solo"},
                {"args", {"--port", "1"}}},
           json{{"name", "x"},
                {"hf_repo", "Qwen/Qwen3-0.6B"},
                {"mode", "solo"},
                {"served_name", "a;reboot"}},
       }) {
    const Reply r = SendJson("POST", Url("/api/models"), body.dump());
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.body;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data/models-custom.yaml"));
  // A display name may hold anything: it never reaches a command line.
  const Reply added = SendJson("POST", Url("/api/models"),
                               json{{"name", "a'; touch " + pwned + " #" + touch},
                                    {"hf_repo", "Qwen/Qwen3-0.6B"},
                                    {"mode", "solo"},
                                    {"args", {"--max-model-len", "4096"}}}
                                   .dump());
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(json::parse(added.body)["model"]["id"], "qwen3-0-6b");
  EXPECT_EQ(WaitJob(Swap("qwen3-0-6b"))["state"], "succeeded");
  EXPECT_FALSE(std::filesystem::exists(pwned));
  EXPECT_EQ(ReadText(sshd_.state() / "launch_args"),
            std::string("vllm\0serve\0Qwen/Qwen3-0.6B\0--host\0", 34) +
                std::string("0.0.0.0\0--port\0", 15) + std::to_string(vllm_.port()) +
                std::string("\0--max-model-len\0"
                            "4096\0",
                            22));
}

TEST_F(SwapTest, FreeTextAndJsonValuesReachVllmByteForByteThroughTheScriptsShell) {
  StartApp();
  TrustHost();
  const std::string canary = (sshd_.scratch() / "CANARY").string();
  const std::string hostile = "x;touch " + canary;
  const std::string json_value = R"({"a": 1})";
  const Reply added =
      SendJson("POST", Url("/api/models"),
               json{{"name", "hostile"},
                    {"hf_repo", "Qwen/Qwen3-0.6B"},
                    {"mode", "solo"},
                    {"args", {"--hf-overrides", json_value, "--chat-template", hostile}}}
                   .dump());
  ASSERT_EQ(added.status, 201) << added.body;
  const json job = WaitJob(Swap("qwen3-0-6b"));
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_FALSE(std::filesystem::exists(canary)) << "a flag value ran as a command";
  std::string expected;
  for (const std::string& word :
       {std::string("vllm"), std::string("serve"), std::string("Qwen/Qwen3-0.6B"),
        std::string("--host"), std::string("0.0.0.0"), std::string("--port"),
        std::to_string(vllm_.port()), std::string("--hf-overrides"), json_value,
        std::string("--chat-template"), hostile}) {
    expected += word + std::string(1, '\0');
  }
  EXPECT_EQ(ReadText(sshd_.state() / "launch_args"), expected);
  // GET /api/models shows the line that ran (without its timeout bound).
  const json models = json::parse(Get(Url("/api/models")).body);
  for (const auto& m : models["models"]) {
    if (m["id"] != "qwen3-0-6b") continue;
    const std::string command = m["command"];
    EXPECT_NE(command.find(R"(--chat-template ''\''x;touch )"), std::string::npos) << command;
    EXPECT_NE(command.find(R"(--hf-overrides ''\''{"a": 1}'\''')"), std::string::npos) << command;
  }
}

TEST_F(SwapTest, NamesAndDirsThatReachRemoteShellsAreAllowListedInPutConfig) {
  StartApp();
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"remote", {{"vllm_container", "vllm;reboot"}}}}, "remote.vllm_container"},
      {{{"remote", {{"vllm_container", "--help"}}}}, "remote.vllm_container"},
      {{{"services", {{"parakeet", {{"container", "p $(id)"}}}}}}, "services.parakeet.container"},
      {{{"remote", {{"vllm_docker_dir", "spark-vllm-docker"}}}}, "remote.vllm_docker_dir"},
      {{{"remote", {{"vllm_docker_dir", "~/../../etc"}}}}, "remote.vllm_docker_dir"},
      {{{"services", {{"magpie", {{"cache_dir", "/usr"}}}}}}, "services.magpie.cache_dir"},
      {{{"services", {{"magpie", {{"cache_dir", "~/"}}}}}}, "services.magpie.cache_dir"},
      {{{"services", {{"magpie", {{"cache_dir", "/srv/a\nb"}}}}}}, "services.magpie.cache_dir"},
  };
  for (const auto& [patch, field] : cases) {
    const Reply r = SendJson("PUT", Url("/api/config"), patch.dump());
    EXPECT_EQ(r.status, 400) << patch.dump() << " " << r.body;
    if (r.status == 400) {
      EXPECT_EQ(json::parse(r.body)["error"]["field"], field) << r.body;
    }
  }
  const json config = json::parse(Get(Url("/api/config")).body);
  EXPECT_EQ(config["remote"]["vllm_container"], "vllm_node");
  EXPECT_EQ(config["services"]["magpie"]["cache_dir"], nullptr);
  // A real cache dir is fine.
  EXPECT_EQ(SendJson("PUT", Url("/api/config"),
                     R"({"services": {"magpie": {"cache_dir": "~/.cache/magpie"}}})")
                .status,
            200);
}

TEST_F(SwapTest, AnOperatorFileWithAnUnsafeContainerNameExitsTwoNamingFileAndKey) {
  std::ofstream(dir_ / "bad.yaml") << "remote: {vllm_container: 'vllm_node; reboot'}\n";
  const std::string err = (dir_ / "err").string();
  ChildProcess child({SPARK_CONTROL_BIN, "--config", (dir_ / "bad.yaml").string(), "--data-dir",
                      (dir_ / "data").string(), "--listen", "127.0.0.1:0"},
                     {}, err);
  EXPECT_EQ(child.Wait(10000), 2);
  const std::string text = ReadText(err);
  EXPECT_NE(text.find("bad.yaml"), std::string::npos) << text;
  EXPECT_NE(text.find("remote.vllm_container"), std::string::npos) << text;
}

TEST_F(SwapTest, TrustRemoteCodeNeedsTheOperatorFile) {
  // A custom model stored while the operator allowed it (or written by hand).
  std::filesystem::create_directories(dir_ / "data");
  std::ofstream(dir_ / "data/models-custom.yaml")
      << "models:\n  - {id: remote-code, name: Remote code, hf_repo: Qwen/Qwen3-0.6B, mode: solo,"
         " args: [--max-model-len, '4096', --trust-remote-code]}\n";
  StartApp();
  TrustHost();
  const Reply posted = SendJson("POST", Url("/api/models"),
                                json{{"name", "x"},
                                     {"hf_repo", "Qwen/Qwen2.5-0.5B"},
                                     {"mode", "solo"},
                                     {"args", {"--trust-remote-code"}}}
                                    .dump());
  ASSERT_EQ(posted.status, 400) << posted.body;
  EXPECT_EQ(json::parse(posted.body)["error"]["code"], "invalid_field");
  EXPECT_EQ(json::parse(posted.body)["error"]["field"], "args[0]");
  EXPECT_NE(posted.body.find("security.allow_trust_remote_code"), std::string::npos);
  // The API cannot turn it on.
  const Reply put =
      SendJson("PUT", Url("/api/config"), R"({"security": {"allow_trust_remote_code": true}})");
  EXPECT_EQ(put.status, 409) << put.body;
  EXPECT_EQ(json::parse(put.body)["error"]["code"], "pinned") << put.body;
  // The stored model cannot be launched, nor its settings changed: refused before any job.
  const Reply swap = SendJson("POST", Url("/api/swap"), R"({"model": "remote-code"})");
  EXPECT_EQ(swap.status, 409) << swap.body;
  EXPECT_NE(swap.body.find("security.allow_trust_remote_code"), std::string::npos) << swap.body;
  const Reply patch =
      SendJson("PUT", Url("/api/models/remote-code/overrides"), R"({"max_model_len": 8192})");
  EXPECT_EQ(patch.status, 400) << patch.body;
  EXPECT_EQ(json::parse(patch.body)["error"]["field"], "args[2]") << patch.body;
  EXPECT_EQ(json::parse(Get(Url("/api/jobs")).body)["jobs"].size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(sshd_.state() / "launch_args"));

  // With the operator's consent the same model launches with the flag.
  app_.reset();
  StartApp("security: {allow_trust_remote_code: true}\n");
  EXPECT_EQ(WaitJob(Swap("remote-code"))["state"], "succeeded");
  EXPECT_NE(
      ReadText(sshd_.state() / "launch_args").find(std::string("\0--trust-remote-code\0", 21)),
      std::string::npos);
  EXPECT_EQ(SendJson("POST", Url("/api/models"),
                     json{{"name", "x"},
                          {"hf_repo", "Qwen/Qwen2.5-0.5B"},
                          {"mode", "solo"},
                          {"args", {"--trust-remote-code"}}}
                         .dump())
                .status,
            201);
}

TEST_F(SwapTest, ASwapRunningWhenTheProcessDiesShowsAsInterruptedAfterARestart) {
  sshd_.SetFake("logs_mode", "silent");
  StartApp();
  TrustHost();
  const std::string id = Swap("qwen36");
  ASSERT_EQ(id, "j1");
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (std::chrono::steady_clock::now() < until &&
         json::parse(Get(Url("/api/jobs/" + id)).body)["progress"]["phase"] != "loading") {
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_EQ(app_->process().Stop(SIGKILL, 2000), 128 + SIGKILL);
  app_.reset();
  StartApp();
  const json job = json::parse(Get(Url("/api/jobs/j1")).body);
  EXPECT_EQ(job["state"], "failed") << job.dump();
  EXPECT_EQ(job["error"]["code"], "interrupted");
  EXPECT_EQ(json::parse(Get(Url("/api/status")).body)["jobs"].size(), 0u);
  // Ids are never reused.
  sshd_.SetFake("logs_mode", "ok");
  EXPECT_EQ(Swap("qwen36"), "j2");
}

}  // namespace
}  // namespace spark::test
