#pragma once
// Two Debian OpenSSH servers on loopback as Spark 1 and Spark 2, each with its own home
// (tests/support/sshd.h); Spark 1's fake ssh reaches Spark 2's home, PATH and fake state, as
// over the Sparks' own link; a fake vLLM serves whatever model Spark 1's fake container runs;
// the real spark-control binary is pointed at both. The base of the download and update tests:
// starting spark-control, confirming host keys, and reading jobs with bounded waits.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/fake_vllm.h"
#include "support/http.h"
#include "support/process.h"
#include "support/sshd.h"

namespace spark::test {

using nlohmann::json;

class TwoSparksTest : public ::testing::Test {
 protected:
  TwoSparksTest() { spark1_.RouteSshTo(spark2_); }

  // Starts (or restarts, keeping the data dir) spark-control on both Sparks. `remote_keys`
  // adds keys to the `remote:` map (", hf_home: …").
  void StartSparkControl(const std::string& remote_keys = "") {
    std::ofstream(dir_ / "spark-control.yaml")
        << "sparks:\n"
        << "  spark1: {host: 127.0.0.1, user: " << spark1_.user() << ", port: " << spark1_.port()
        << "}\n"
        << "  spark2: {host: 127.0.0.1, user: " << spark2_.user() << ", port: " << spark2_.port()
        << "}\n"
        << "vllm: {port: " << vllm_.port() << "}\n"
        << "ssh: {key_path: " << spark1_.client_key().string() << "}\n"
        << "remote: {vllm_docker_dir: " << spark1_.checkout().string() << remote_keys << "}\n"
        << "probe: {interval_s: 1, timeout_s: 0.5}\n";
    app_.reset();
    app_ = std::make_unique<SparkControl>(
        std::vector<std::string>{"--config", (dir_ / "spark-control.yaml").string(), "--data-dir",
                                 (dir_ / "data").string()});
  }
  // Spark 2 takes Spark 1's key (the Sparks' own link); spark-control confirms both host keys.
  void TrustHosts() {
    spark2_.Authorize(spark1_.client_key().string() + ".pub");
    for (const auto& [name, spark] : {std::pair{"spark1", &spark1_}, {"spark2", &spark2_}}) {
      const Reply r = SendJson("POST", Url(std::string("/api/ssh/known-hosts/") + name),
                               json{{"fingerprint", spark->HostKeyFingerprint()}}.dump());
      ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    }
  }
  std::string Url(const std::string& path) const { return app_->url() + path; }

  json Job(const std::string& id) {
    const Reply r = Get(Url("/api/jobs/" + id));
    return r.status == 200 ? json::parse(r.body) : json{{"state", "unknown"}, {"reply", r.body}};
  }
  // Polls the job every 100 ms, showing each state to `seen`, until it has ended (bounded).
  json WaitJob(const std::string& id, std::chrono::seconds max = std::chrono::seconds(60),
               const std::function<void(const json&)>& seen = {}) {
    const auto until = std::chrono::steady_clock::now() + max;
    json job;
    while (std::chrono::steady_clock::now() < until) {
      job = Job(id);
      if (seen) seen(job);
      const std::string state = job.value("state", "");
      if (state != "running" && state != "queued" && state != "unknown") return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "job " << id << " did not end: " << job.dump();
    return job;
  }
  double Metric(const std::string& series) {
    return MetricValue(Get(Url("/metrics")).body, series);
  }

  Sshd spark1_;
  Sshd spark2_;
  FakeVllm vllm_{spark1_.state() / "containers/vllm_node"};
  TempDir dir_;
  std::unique_ptr<SparkControl> app_;
};

}  // namespace spark::test
