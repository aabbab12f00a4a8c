#pragma once
// The download tests' world (download_test.cc, download_refusal_test.cc): two Debian OpenSSH
// servers on loopback are Spark 1 and Spark 2, each with its own home and so its own
// ~/.cache/huggingface (tests/support/sshd.h); Spark 1's fake ssh carries real rsync to Spark 2's
// home; the fake Hub API on loopback (tests/support/fake_hub.h) is `remote.hf_endpoint`; the fake
// `hf` (tests/testdata/fakes/hf) writes real bytes at a rate the test steers; a fake vLLM serves
// whatever model the fake container runs; the real spark-control binary drives it all. Every
// wait is bounded; processes a test leaves on the Sparks are killed by pid at the end.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/eventually.h"
#include "support/fake_hub.h"
#include "support/fake_vllm.h"
#include "support/http.h"
#include "support/model_names.h"
#include "support/process.h"
#include "support/sshd.h"
#include "support/text_file.h"
#include "two_sparks_fixture.h"

namespace spark::test {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Pids of the processes whose command line contains `needle` (or, with `cwd_too`, whose working
// directory lies under it), sshd itself and this test excepted.
inline std::vector<pid_t> PidsMentioning(const std::string& needle, bool cwd_too = false) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid == getpid() || ReadTrimmedText(entry.path() / "comm") == "sshd") continue;
    std::string cmdline = ReadText(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const std::string cwd = std::filesystem::read_symlink(entry.path() / "cwd", ec).string();
    if (cmdline.find(needle) != std::string::npos || (cwd_too && cwd.starts_with(needle))) {
      pids.push_back(pid);
    }
  }
  return pids;
}

class DownloadTest : public TwoSparksTest {
 protected:
  static constexpr const char* kToken = "hf_fixture_token";

  void SetUp() override {
    SetRate(8 << 20);
    const auto hf_home = spark1_.home() / ".cache/huggingface";
    std::filesystem::create_directories(hf_home);
    std::ofstream(hf_home / "token") << kToken;
  }
  // The Sparks' processes a test left behind (a paused download, a detached script): killed.
  void TearDown() override {
    for (const Sshd* spark : {&spark1_, &spark2_}) {
      for (pid_t pid : PidsMentioning(SparkDir(*spark).string() + "/", true)) kill(pid, SIGKILL);
    }
  }

  // A repo on the fake Hub and the same files for the fake hf on Spark 1.
  void AddRepo(const std::string& repo, const HubRepo& spec) {
    hub_.SetRepo(repo, spec);
    std::string key = repo;
    for (auto at = key.find('/'); at != std::string::npos; at = key.find('/')) {
      key.replace(at, 1, "--");
    }
    std::string files;
    for (const auto& f : spec.files) files += f.name + " " + std::to_string(f.size) + "\n";
    spark1_.SetFake("hf_files." + key, files);
    spark1_.SetFake("hf_sha." + key, spec.sha + "\n");
  }
  // `megabytes` MiB of weights in two shards plus a config, at commit `sha`.
  static HubRepo Weights(double megabytes, const std::string& sha) {
    const auto half = static_cast<int64_t>(megabytes * (1 << 20) / 2);
    return {{{"config.json", 1234},
             {"model-00001-of-00002.safetensors", half},
             {"model-00002-of-00002.safetensors", half}},
            sha,
            200,
            200,
            0,
            {}};
  }
  // Bytes per second the fake hf writes from its next chunk on; 0 pauses it.
  void SetRate(int64_t bytes_per_s) { spark1_.SetFake("hf_rate", std::to_string(bytes_per_s)); }

  // Starts (or restarts, keeping the data dir) spark-control on both Sparks, the fake Hub as
  // its endpoint.
  void StartApp() {
    StartSparkControl(", hf_endpoint: '" + hub_.endpoint() + "', hf_home: '~/.cache/huggingface'");
  }

  // POST /api/downloads; the reply.
  Reply PostDownload(const json& body) {
    return SendJson("POST", Url("/api/downloads"), body.dump());
  }
  // POST /api/downloads that must be accepted; the job id.
  std::string Download(const std::string& repo, const std::string& mode = "solo") {
    const Reply r = PostDownload({{"hf_repo", repo}, {"mode", mode}});
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? json::parse(r.body)["job"]["id"].get<std::string>() : "";
  }
  // Waits until the job shows progress percent above `percent` while running (bounded).
  bool WaitPercent(const std::string& id, double percent) {
    return Eventually(
        [&] {
          const json job = Job(id);
          const json p = job.value("progress", json::object()).value("percent", json());
          return job.value("state", "") == "running" && p.is_number() && p.get<double>() > percent;
        },
        seconds(20));
  }

  // The model's dir in a Spark's cache, and the bytes under its blobs/ (.incomplete included).
  static std::filesystem::path ModelDir(const Sshd& spark, const std::string& key) {
    return spark.home() / ".cache/huggingface/hub" / ("models--" + key);
  }
  static int64_t BlobBytes(const Sshd& spark, const std::string& key) {
    int64_t bytes = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(ModelDir(spark, key) / "blobs", ec)) {
      bytes += static_cast<int64_t>(e.file_size(ec));
    }
    return bytes;
  }
  static std::filesystem::path SparkDir(const Sshd& spark) { return spark.home().parent_path(); }
  // The fakes' and the download's processes on both Sparks: hf, ssh, rsync, the detached script.
  std::vector<pid_t> DownloadProcesses() const {
    std::vector<pid_t> pids;
    for (const Sshd* spark : {&spark1_, &spark2_}) {
      for (const std::string& needle :
           {spark->fakebin().string() + "/hf", spark->fakebin().string() + "/ssh",
            spark->home().string() + "/.cache/spark-control/jobs"}) {
        for (pid_t pid : PidsMentioning(needle)) pids.push_back(pid);
      }
      for (pid_t pid : PidsMentioning(spark->home().string(), true)) {
        if (ReadTrimmedText("/proc/" + std::to_string(pid) + "/comm") == "rsync") {
          pids.push_back(pid);
        }
      }
    }
    return pids;
  }

  FakeHub hub_;
};

}  // namespace spark::test
