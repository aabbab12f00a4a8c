// Downloads refused before any byte (a full disk, a gated or missing repo, hostile input), a
// downloader failing mid-way, and the cache view with its delete, end to end on the loopback
// Sparks of download_fixture.h.
#include <algorithm>

#include "download_fixture.h"

namespace spark::test {
namespace {

constexpr const char* kRefusedSha = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";

// The download's model dir on Spark 1 never appeared and hf never ran.
void ExpectNothingDownloaded(const Sshd& spark1, const std::string& key) {
  EXPECT_FALSE(
      std::filesystem::exists(spark1.home() / ".cache/huggingface/hub" / ("models--" + key)))
      << key;
  EXPECT_FALSE(std::filesystem::exists(spark1.state() / "hf_calls"))
      << ReadText(spark1.state() / "hf_calls");
}

TEST_F(DownloadTest, AFullDiskAGatedRepoAndAMissingOneAreRefusedBeforeAnyByte) {
  HubRepo huge = Weights(1, kRefusedSha);
  huge.files.push_back({"model-huge.safetensors", int64_t{1} << 50});  // 1 PiB: more than df
  AddRepo("TestOrg/Huge", huge);
  HubRepo gated = Weights(1, kRefusedSha);
  gated.access = 401;
  AddRepo("TestOrg/Gated", gated);
  HubRepo forbidden = Weights(1, kRefusedSha);
  forbidden.access = 403;
  AddRepo("TestOrg/Forbidden", forbidden);
  AddRepo("TestOrg/Present", Weights(1, kRefusedSha));
  StartApp();
  TrustHosts();

  const auto failure = [&](const json& body) {
    const Reply r = PostDownload(body);
    EXPECT_EQ(r.status, 202) << r.body;
    if (r.status != 202) return json();
    const json job = WaitJob(json::parse(r.body)["job"]["id"], seconds(20));
    EXPECT_EQ(job["state"], "failed") << job.dump();
    return job["error"];
  };
  const json full = failure({{"hf_repo", "TestOrg/Huge"}, {"mode", "solo"}});
  EXPECT_EQ(full["code"], "disk_full") << full.dump();
  ExpectNothingDownloaded(spark1_, "TestOrg--Huge");

  for (const char* repo : {"TestOrg/Gated", "TestOrg/Forbidden"}) {
    const json denied = failure({{"hf_repo", repo}, {"mode", "cluster"}});
    EXPECT_EQ(denied["code"], "auth_required") << denied.dump();
    EXPECT_NE(denied.value("message", "").find("HF_TOKEN"), std::string::npos) << denied.dump();
  }
  ExpectNothingDownloaded(spark1_, "TestOrg--Gated");

  const json missing = failure({{"hf_repo", "TestOrg/Absent"}, {"mode", "solo"}});
  EXPECT_EQ(missing["code"], "not_found") << missing.dump();
  const json no_revision =
      failure({{"hf_repo", "TestOrg/Present"}, {"mode", "solo"}, {"revision", "v9.9"}});
  EXPECT_EQ(no_revision["code"], "not_found") << no_revision.dump();
  ExpectNothingDownloaded(spark1_, "TestOrg--Present");
  EXPECT_EQ(Metric("spark_control_downloads_total{cluster=\"default\",outcome=\"failed\"}"), 5);
}

TEST_F(DownloadTest, ADownloaderFailingMidwayEndsTheJobPlainlyWithItsLastLines) {
  AddRepo("TestOrg/Dropped", Weights(2, kRefusedSha));
  AddRepo("TestOrg/Filled", Weights(2, kRefusedSha));
  StartApp();
  TrustHosts();
  spark1_.SetFake("hf_mode", "drop");  // the link to the Hub drops halfway through
  const json dropped = WaitJob(Download("TestOrg/Dropped"), seconds(20));
  EXPECT_EQ(dropped["state"], "failed") << dropped.dump();
  EXPECT_NE(dropped["error"].dump().find("RemoteProtocolError: peer closed connection"),
            std::string::npos)
      << dropped.dump();
  EXPECT_GT(BlobBytes(spark1_, "TestOrg--Dropped"), 0);  // kept for the next attempt

  spark1_.SetFake("hf_mode", "disk_full");  // the disk fills up under the download
  const json filled = WaitJob(Download("TestOrg/Filled"), seconds(20));
  EXPECT_EQ(filled["state"], "failed") << filled.dump();
  EXPECT_EQ(filled["error"]["code"], "disk_full") << filled.dump();
  EXPECT_NE(filled["error"].dump().find("No space left on device"), std::string::npos);
}

TEST_F(DownloadTest, HostileReposAndRevisionsAre400AndNothingRunsRemotely) {
  std::filesystem::remove("/tmp/p");
  StartApp();
  TrustHosts();
  const auto refused = [&](const json& body, const std::string& field) {
    const Reply r = PostDownload(body);
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.body;
    EXPECT_EQ(ErrorField(r), field) << body.dump() << " -> " << r.body;
  };
  for (const char* repo : {"x$(touch /tmp/p)", "../..", "--help", "a;reboot", "Org/x'y",
                           "Org/model.git", "a--b/c", ""}) {
    refused({{"hf_repo", repo}, {"mode", "solo"}}, "hf_repo");
  }
  for (const char* revision : {"x$(touch /tmp/p)", "../..", "--help", "main;id", ""}) {
    refused({{"hf_repo", "TestOrg/Fine"}, {"mode", "solo"}, {"revision", revision}}, "revision");
  }
  refused({{"hf_repo", "TestOrg/Fine"}, {"mode", "both"}}, "mode");
  refused({{"mode", "solo"}}, "hf_repo");
  EXPECT_EQ(ErrorCode(PostDownload({{"mode", "solo"}})), "missing_field");

  EXPECT_FALSE(std::filesystem::exists("/tmp/p"));
  EXPECT_TRUE(hub_.Requests().empty());
  for (const Sshd* spark : {&spark1_, &spark2_}) {
    for (const auto& command : spark->Commands()) {
      EXPECT_EQ(command.find("touch"), std::string::npos) << command;
      EXPECT_EQ(command.find("--help"), std::string::npos) << command;
      EXPECT_EQ(command.find("spark-control-hub"), std::string::npos) << command;
      EXPECT_EQ(command.find("spark-control-detach"), std::string::npos) << command;
    }
  }
}

TEST_F(DownloadTest, ASecondDownloadOrADeleteOfARepoThatIsDownloadingIs409) {
  AddRepo("TestOrg/Slow", Weights(2, kRefusedSha));
  SetRate(0);
  StartApp();
  TrustHosts();
  const std::string id = Download("TestOrg/Slow");
  const Reply again = PostDownload({{"hf_repo", "TestOrg/Slow"}, {"mode", "cluster"}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(ErrorCode(again), "job_running");
  const Reply del = Http("DELETE", Url("/api/cache/spark1?repo=TestOrg/Slow"));
  EXPECT_EQ(del.status, 409) << del.body;
  EXPECT_EQ(ErrorCode(del), "job_running");
  EXPECT_EQ(Http("DELETE", Url("/api/jobs/" + id)).status, 202);
  EXPECT_EQ(WaitJob(id, seconds(15))["state"], "cancelled");
}

TEST_F(DownloadTest, TheCacheViewListsTheModelsAndDeletesAllButTheServedOne) {
  // Spark 1's cache already holds the served model and another one (the fake hf, run here).
  const auto hf_home = spark1_.home() / ".cache/huggingface";
  for (const std::string& repo : {std::string(kQwen36), std::string("TestOrg/Old-Model")}) {
    ChildProcess hf(
        {(spark1_.fakebin() / "hf").string(), "download", repo},
        {{"HF_HOME", hf_home.string()}, {"SPARK_FAKE_STATE", spark1_.state().string()}});
    ASSERT_EQ(hf.Wait(20000), 0) << repo;
  }
  std::filesystem::create_directories(spark1_.state() / "containers");
  spark1_.SetFake("containers/vllm_node", std::string("vllm\nserve\n") + kQwen36 + "\n");
  StartApp();
  TrustHosts();
  EXPECT_EQ(SendJson("POST", Url("/api/cache/refresh"), "").status, 202);
  // The repo's entry in Spark 1's cache view; {} when it is not listed.
  const auto model = [&](const std::string& repo) {
    const json cache = json::parse(Get(Url("/api/cache")).body, nullptr, false);
    if (!cache.is_object()) return json::object();
    const json models = cache.value("sparks", json::object())
                            .value("spark1", json::object())
                            .value("models", json::array());
    for (const auto& m : models) {
      if (m.value("hf_repo", "") == repo) return m;
    }
    return json::object();
  };
  ASSERT_TRUE(Eventually([&] { return model(kQwen36).value("serving", false); }, seconds(20)))
      << Get(Url("/api/cache")).body;
  const json cache = json::parse(Get(Url("/api/cache")).body);
  EXPECT_EQ(cache["sparks"]["spark1"]["path"], (hf_home / "hub").string()) << cache.dump();
  EXPECT_TRUE(cache["sparks"]["spark1"]["free_bytes"].is_number());
  EXPECT_TRUE(cache["sparks"]["spark2"]["models"].empty()) << cache.dump();
  EXPECT_EQ(model(kQwen36)["in_catalog"], true);
  EXPECT_EQ(model(kQwen36)["complete"], true);
  EXPECT_GT(model(kQwen36)["size_bytes"].get<int64_t>(), 65536);
  EXPECT_EQ(model("TestOrg/Old-Model")["in_catalog"], false);
  EXPECT_EQ(model("TestOrg/Old-Model")["serving"], false);

  const Reply served = Http("DELETE", Url(std::string("/api/cache/spark1?repo=") + kQwen36));
  EXPECT_EQ(served.status, 409) << served.body;
  EXPECT_EQ(ErrorCode(served), "model_in_use");
  EXPECT_EQ(Http("DELETE", Url("/api/cache/spark7?repo=TestOrg/Old-Model")).status, 404);
  EXPECT_EQ(ErrorField(Http("DELETE", Url("/api/cache/spark1?repo=../.."))), "repo");

  const Reply del = Http("DELETE", Url("/api/cache/spark1?repo=TestOrg/Old-Model"));
  ASSERT_EQ(del.status, 202) << del.body;
  const json job = WaitJob(json::parse(del.body)["job"]["id"], seconds(20));
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["action"], "delete") << job.dump();
  EXPECT_FALSE(std::filesystem::exists(hf_home / "hub/models--TestOrg--Old-Model"));
  EXPECT_FALSE(std::filesystem::exists(hf_home / "hub/.locks/models--TestOrg--Old-Model"));
  EXPECT_TRUE(std::filesystem::exists(hf_home / "hub/models--RedHatAI--Qwen3.6-35B-A3B-NVFP4"));
  EXPECT_TRUE(Eventually([&] { return model("TestOrg/Old-Model").empty(); }, seconds(15)));
  EXPECT_EQ(Metric("spark_control_downloads_total{cluster=\"default\",outcome=\"succeeded\"}"), 0);
}

}  // namespace
}  // namespace spark::test
