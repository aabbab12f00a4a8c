#pragma once
// The swap tests' world (swap_test.cc, swap_link_test.cc): Debian's real OpenSSH server on
// loopback (tests/support/sshd.h) with the fake spark-vllm-docker tools of
// tests/testdata/fakes on its PATH, a fake vLLM on loopback serving whatever model the fake
// container runs, and the real spark-control binary pointed at both. Every wait is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/fake_vllm.h"
#include "support/http.h"
#include "support/loopback_server.h"
#include "support/model_names.h"
#include "support/process.h"
#include "support/sshd.h"
#include "support/text_file.h"

namespace spark::test {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class SwapTest : public ::testing::Test {
 protected:
  void SetUp() override { sshd_.SetFake("follow_s", "30"); }

  // Starts spark-control pointed at the sshd and the fake vLLM; `extra` is appended YAML.
  void StartApp(const std::string& extra = "", const std::string& key = "") {
    std::ofstream(dir_ / "spark-control.yaml")
        << "sparks:\n"
        << "  spark1: {host: 127.0.0.1, user: " << sshd_.user() << ", port: " << sshd_.port()
        << "}\n"
        << "vllm: {port: " << vllm_.port() << "}\n"
        << "services:\n"
        << "  parakeet: {spark: spark1}\n"
        << "ssh: {key_path: " << (key.empty() ? sshd_.client_key().string() : key) << "}\n"
        << "remote: {vllm_docker_dir: " << sshd_.checkout().string() << "}\n"
        << "probe: {interval_s: 1, timeout_s: 0.5}\n"
        << extra;
    app_ = std::make_unique<SparkControl>(
        std::vector<std::string>{"--config", (dir_ / "spark-control.yaml").string(), "--data-dir",
                                 (dir_ / "data").string()});
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }

  void TrustHost() {
    const Reply r = SendJson("POST", Url("/api/ssh/known-hosts/spark1"),
                             json{{"fingerprint", sshd_.HostKeyFingerprint()}}.dump());
    ASSERT_EQ(r.status, 200) << r.body << "\n" << sshd_.Log();
  }
  // A container as if vLLM already served `model`.
  void RunningContainer(const std::string& model) {
    std::filesystem::create_directories(sshd_.state() / "containers");
    sshd_.SetFake("containers/vllm_node", "vllm\nserve\n" + model + "\n");
  }
  bool ContainerExists() const {
    return std::filesystem::exists(sshd_.state() / "containers/vllm_node");
  }

  // POST /api/swap; the job id.
  std::string Swap(const std::string& model) {
    const Reply r = SendJson("POST", Url("/api/swap"), json{{"model", model}}.dump());
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? json::parse(r.body)["job"]["id"].get<std::string>() : "";
  }
  // Polls the job until it has finished (bounded).
  json WaitJob(const std::string& id, seconds max = seconds(90)) {
    const auto until = std::chrono::steady_clock::now() + max;
    json job;
    while (std::chrono::steady_clock::now() < until) {
      job = json::parse(Get(Url("/api/jobs/" + id)).body);
      const std::string state = job.value("state", "");
      if (state != "running" && state != "queued") return job;
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << "job " << id << " did not finish: " << job.dump();
    return job;
  }
  // The value of one exposition line of /metrics starting with `series`; -1 when absent.
  double Metric(const std::string& series) {
    std::istringstream in(Get(Url("/metrics")).body);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }

  Sshd sshd_;
  FakeVllm vllm_{sshd_.state() / "containers/vllm_node"};
  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

}  // namespace spark::test
