// The download tests' world on its own (download_test.cc drives spark-control through it): the
// fake Hub answers the real curl as the Hub does, the fake `hf` writes, resumes and fails the
// way the real one does, each sshd is a Spark with its own home, and the fake ssh carries real
// rsync from one Spark's home to the other's. Commands reach the Sparks through OpenSSH's own
// client, as a user's would.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/fake_hub.h"
#include "support/process.h"
#include "support/sshd.h"
#include "support/text_file.h"

namespace spark::test {
namespace {

using nlohmann::json;

// Runs `command` on `sshd`'s Spark with /usr/bin/ssh; its exit code, output (both streams) in
// `output`.
int RunOnSpark(const Sshd& sshd, const std::string& command, std::string* output) {
  static int runs = 0;
  const std::filesystem::path out = sshd.scratch() / ("ssh-" + std::to_string(++runs));
  const std::string ssh = "/usr/bin/ssh -i " + sshd.client_key().string() + " -p " +
                          std::to_string(sshd.port()) +
                          " -o BatchMode=yes -o StrictHostKeyChecking=no"
                          " -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR " +
                          sshd.user() + "@127.0.0.1 ";
  ChildProcess child({"/bin/bash", "-c", ssh + "\"$0\" > " + out.string() + " 2>&1", command});
  const int code = child.Wait(30000);
  *output = ReadText(out);
  return code;
}

// curl as the Spark runs it: the token in a config on stdin, never on the command line.
std::string Curl(const std::string& token, const std::string& args) {
  TempDir dir;
  ChildProcess child({"/bin/bash", "-c",
                      "printf 'header = \"Authorization: Bearer %s\"\\n' \"$0\" | curl -sS -K - " +
                          args + " > " + (dir / "out").string(),
                      token});
  child.Wait(10000);
  return ReadText(dir / "out");
}

HubRepo TwoShards() {
  return {{{"config.json", 700},
           {"model-00001-of-00002.safetensors", 300000},
           {"model-00002-of-00002.safetensors", 200000}},
          "4f1c2a9e0b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
          200,
          200,
          0,
          {"v1.0"}};
}

TEST(DownloadFakes, TheFakeHubAnswersTheModelInfoAndTheAccessCheckAsTheHubDoes) {
  FakeHub hub;
  hub.SetRepo("Org/Model", TwoShards());
  HubRepo gated = TwoShards();
  gated.access = 401;
  hub.SetRepo("Org/Gated", gated);

  const std::string base = hub.endpoint();
  const json info =
      json::parse(Curl("hf_one", base + "/api/models/Org/Model/revision/main?blobs=true"));
  EXPECT_EQ(info["id"], "Org/Model");
  EXPECT_EQ(info["sha"], TwoShards().sha);
  int64_t total = 0;
  for (const auto& sibling : info["siblings"]) total += sibling["size"].get<int64_t>();
  EXPECT_EQ(total, 500700);
  EXPECT_FALSE(info["siblings"][0].contains("lfs")) << info.dump();
  EXPECT_EQ(info["siblings"][1]["lfs"]["size"], 300000);
  EXPECT_EQ(info["siblings"][1]["lfs"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(hub.Requests().back().authorization, "Bearer hf_one");

  const auto status = [&](const std::string& args) {
    return Curl("hf_two", "-o /dev/null -w '%{http_code}' " + args);
  };
  EXPECT_EQ(status(base + "/api/models/Org/Model/revision/v1.0?blobs=true"), "200");
  EXPECT_EQ(status(base + "/api/models/Org/Model/revision/nope?blobs=true"), "404");
  EXPECT_EQ(status(base + "/api/models/Org/Absent/revision/main?blobs=true"), "404");
  EXPECT_EQ(status("-I " + base + "/Org/Model/resolve/main/.gitattributes"), "200");
  // A gated repo: its model info is public, its files are not.
  EXPECT_EQ(status(base + "/api/models/Org/Gated/revision/main?blobs=true"), "200");
  EXPECT_EQ(status("-I " + base + "/Org/Gated/resolve/main/.gitattributes"), "401");
  EXPECT_EQ(hub.Requests().back().method, "HEAD");
  EXPECT_EQ(hub.Requests().back().authorization, "Bearer hf_two");
}

TEST(DownloadFakes, TheFakeHfWritesRealBytesIntoTheSparksOwnHomeAndResumesAfterADrop) {
  Sshd spark;
  spark.SetFake("hf_files", "config.json 700\nmodel.safetensors 400000\n");
  spark.SetFake("hf_sha", TwoShards().sha + "\n");
  spark.SetFake("hf_mode", "drop");
  std::string out;
  EXPECT_EQ(RunOnSpark(spark, "hf download Org/Model", &out), 1);
  EXPECT_NE(out.find("httpx.RemoteProtocolError: peer closed connection"), std::string::npos)
      << out;
  // The default cache under the session's own HOME: one partial blob, nothing in snapshots.
  const auto model = spark.home() / ".cache/huggingface/hub/models--Org--Model";
  int incomplete = 0;
  for (const auto& entry : std::filesystem::directory_iterator(model / "blobs")) {
    if (entry.path().extension() == ".incomplete") {
      ++incomplete;
      EXPECT_GT(entry.file_size(), 0u);
      EXPECT_LT(entry.file_size(), 400000u);
    }
  }
  EXPECT_EQ(incomplete, 1);

  spark.SetFake("hf_mode", "ok");
  EXPECT_EQ(RunOnSpark(spark, "hf download Org/Model --revision v1.0", &out), 0) << out;
  EXPECT_NE(out.find("path: " + (model / "snapshots" / TwoShards().sha).string()),
            std::string::npos)
      << out;
  EXPECT_TRUE(ReadText(spark.state() / "hf_resumed").starts_with("model.safetensors "));
  EXPECT_EQ(std::filesystem::file_size(model / "snapshots" / TwoShards().sha / "model.safetensors"),
            400000u);
  EXPECT_EQ(ReadText(model / "refs/v1.0"), TwoShards().sha);
  // Every command the Spark ran is on record.
  ASSERT_EQ(spark.Commands().size(), 2u);
  EXPECT_EQ(spark.Commands().back(), "hf download Org/Model --revision v1.0");
}

TEST(DownloadFakes, TheFakeSshCarriesRealRsyncFromOneSparksHomeToTheOthers) {
  Sshd spark1;
  Sshd spark2;
  spark1.RouteSshTo(spark2);
  spark1.SetFake("hf_files", "config.json 700\nmodel.safetensors 300000\n");
  std::string out;
  ASSERT_EQ(RunOnSpark(spark1, "hf download Org/Model", &out), 0) << out;
  const std::string dir = "~/.cache/huggingface/hub/models--Org--Model/";
  EXPECT_EQ(RunOnSpark(spark1,
                       "rsync -a --partial --mkpath -e 'ssh -o BatchMode=yes' " + dir + " " +
                           spark2.user() + "@192.0.2.2:" + dir,
                       &out),
            0)
      << out;
  const auto copied = spark2.home() / ".cache/huggingface/hub/models--Org--Model";
  int64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(copied / "blobs")) {
    bytes += static_cast<int64_t>(entry.file_size());
  }
  EXPECT_EQ(bytes, 300700);
  EXPECT_TRUE(std::filesystem::is_directory(copied / "snapshots"));
  EXPECT_TRUE(ReadText(spark1.state() / "ssh_calls")
                  .starts_with(spark2.user() + " 192.0.2.2 22 rsync --server"));
  // A link that is down fails as ssh does, and rsync says so.
  spark1.SetFake("ssh_fail", "ssh: connect to host 192.0.2.2 port 22: No route to host\n");
  EXPECT_NE(RunOnSpark(spark1, "rsync -a -e ssh " + dir + " 192.0.2.2:" + dir, &out), 0);
  EXPECT_NE(out.find("No route to host"), std::string::npos) << out;
}

}  // namespace
}  // namespace spark::test
