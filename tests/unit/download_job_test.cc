// The download job against a scripted Spark (the simulated executor playing the command
// markers of hf_commands.h and detached_commands.h): the Hub and disk checks before any byte,
// the detached script followed to its end with progress measured on disk, the copy phase, a
// lost link waited out, cancel, a restart that follows the job again, and a script that is gone.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "demo/simulated_downloads.h"
#include "support/eventually.h"
#include "support/simulated_controller.h"

namespace spark {
namespace {

using nlohmann::json;

constexpr const char* kSha = "0123456789abcdef0123456789abcdef01234567";

// The remote side of one detached download: its log, its bytes on disk and how it ends.
struct FakeRemote {
  std::mutex mu;
  std::string log;
  uint64_t bytes = 0;
  uint64_t step = 250;        // bytes per poll
  uint64_t total = 1000;      // bytes when the downloader is done
  std::optional<int> status;  // set once the script ended
  bool alive = true;
  bool gone = false;
  int fail_polls = 0;  // the next polls fail as a lost link
  int polls = 0;
  bool copy = false;  // print the copy marker when done downloading

  // The poll reply for the command `line` (its offset=N), advancing the download.
  SimulatedScript Poll(const std::string& line) {
    std::lock_guard lock(mu);
    ++polls;
    if (fail_polls > 0) {
      --fail_polls;
      return SimulatedScript::Fail(Status::Error(ErrorCode::kSshUnreachable, "link down"));
    }
    if (gone) return SimulatedScript::Print({"spark-control-poll gone"});
    if (alive && !status) {
      bytes = std::min(total, bytes + step);
      log += "Fetching " + std::to_string(bytes) + " bytes\n";
      if (bytes == total) {
        if (copy) log += "spark-control-phase copying\n";
        log += "/hf/hub/models--org--name/snapshots/" + std::string(kSha) + "\n";
        status = 0;
        alive = false;
      }
    }
    const size_t at = line.find("offset=");
    const uint64_t offset = std::stoull(line.substr(at + 7));
    const std::string chunk = log.substr(std::min<size_t>(offset, log.size()));
    return SimulatedScript::Print(
        PollReplyLines({alive, status, log.size(), log.size(), bytes}, chunk));
  }
};

class DownloadJobTest : public test::ControllerFixture<SystemClock> {
 protected:
  void SetUp() override {
    Hub(200, 1000);
    executor_.On("spark-control-space", SimulatedScript::Print({"free " + std::to_string(free_),
                                                                "have 0", "memtotal 1100"}));
    executor_.On("spark-control-detach", [this](const RemoteCommand& c) {
      detached_body_ = c.line;
      return SimulatedScript::Print({"spark-control-detached pid=4242"});
    });
    executor_.On("spark-control-poll",
                 [this](const RemoteCommand& c) { return remote_.Poll(c.line); });
    executor_.On("spark-control-kill", [this](const RemoteCommand&) {
      killed_ = true;
      return SimulatedScript::Print({"spark-control-killed pid=4242"});
    });
    Restart();
  }

  void Hub(int http, uint64_t size, int access = 200) {
    const json body = {{"id", "org/name"},
                       {"sha", kSha},
                       {"siblings", {{{"rfilename", "model.safetensors"}, {"size", size}}}}};
    executor_.On("spark-control-hub",
                 SimulatedScript::Print({body.dump(), "spark-control-http " + std::to_string(http),
                                         "spark-control-access " + std::to_string(access)}));
  }

  // A download that brings one byte per poll, once its detached script runs; its id.
  std::string StartSlowDownload() {
    {
      std::lock_guard lock(remote_.mu);
      remote_.step = 1;
    }
    auto job = controller_->Download("org/name", false, std::nullopt);
    if (!job.ok()) return "";
    const std::string id = job->id;
    return test::Eventually([&] { return controller_->Job(id)->remote.has_value(); }) ? id : "";
  }

  bool Ran(const std::string& marker) {
    for (const auto& c : executor_.commands()) {
      if (c.line.find(marker) != std::string::npos) return true;
    }
    return false;
  }

  uint64_t free_ = 1'000'000;
  FakeRemote remote_;
  std::string detached_body_;
  std::atomic<bool> killed_ = false;
};

TEST_F(DownloadJobTest, ASoloDownloadChecksFirstRunsDetachedAndMeasuresItsBytes) {
  auto job = controller_->Download("org/name", false, std::nullopt);
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->kind, JobKind::kDownload);
  EXPECT_EQ(job->progress.phase, "downloading");
  const JobInfo done = Wait(job->id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  EXPECT_EQ(done.progress.bytes_done, 1000u);
  EXPECT_EQ(done.progress.bytes_total, 1000u);
  EXPECT_EQ(done.progress.percent, 100.0);
  ASSERT_TRUE(done.remote);
  EXPECT_EQ(done.remote->pid, 4242);
  EXPECT_EQ(done.remote->dir, "~/.cache/spark-control/jobs/default/" + done.id);
  // The catalog entry: 1000 bytes are over 80 % of the 1100 bytes of memory → cluster mode.
  const json entry = done.result["catalog_entry"];
  EXPECT_EQ(entry["id"], "name");
  EXPECT_EQ(entry["hf_repo"], "org/name");
  EXPECT_EQ(entry["mode"], "cluster");
  EXPECT_EQ(entry["args"], json::array());
  EXPECT_EQ(done.result["revision"], kSha);
  EXPECT_NE(detached_body_.find("hf download org/name"), std::string::npos);
  EXPECT_EQ(controller_->Stats().downloads.at("succeeded"), 1u);
  // The log holds the downloader's lines, read from the remote file.
  const auto log = controller_->ReadLog(done.id, 0);
  bool fetched = false;
  for (const auto& line : log->lines) fetched |= line.text == "Fetching 500 bytes";
  EXPECT_TRUE(fetched);
}

TEST_F(DownloadJobTest, AGatedMissingOrTooBigRepoIsRefusedBeforeAnyByte) {
  Hub(200, 1000, 401);
  auto gated = Wait(controller_->Download("org/name", false, std::nullopt)->id);
  EXPECT_EQ(gated.error->code, "auth_required");
  EXPECT_NE(gated.error->message.find("HF_TOKEN"), std::string::npos);
  Hub(404, 0);
  EXPECT_EQ(Wait(controller_->Download("org/name", false, "v9")->id).error->code, "not_found");
  Hub(200, 5'000'000);
  const auto big = Wait(controller_->Download("org/name", false, std::nullopt)->id);
  ASSERT_EQ(big.error->code, "disk_full");
  EXPECT_NE(big.error->message.find("1000000 bytes) free"), std::string::npos)
      << big.error->message;
  EXPECT_NE(big.error->message.find("5000000 bytes"), std::string::npos);
  EXPECT_FALSE(Ran("spark-control-detach"));
  EXPECT_EQ(controller_->Stats().downloads.at("failed"), 3u);
}

TEST_F(DownloadJobTest, HostileReposAndRevisionsAreRefusedAndTheSameRepoTwiceConflicts) {
  for (const std::string repo : {"x$(touch /tmp/p)", "../..", "--help"}) {
    const auto refused = controller_->Download(repo, false, std::nullopt);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().field(), "hf_repo");
  }
  const auto revision = controller_->Download("org/name", false, "../../etc");
  ASSERT_FALSE(revision.ok());
  EXPECT_EQ(revision.status().field(), "revision");
  EXPECT_TRUE(executor_.commands().empty());
  {
    std::lock_guard lock(remote_.mu);
    remote_.step = 1;  // a long download
  }
  auto first = controller_->Download("org/name", false, std::nullopt);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(controller_->Download("org/name", true, std::nullopt).status().code(),
            ErrorCode::kJobRunning);
  EXPECT_EQ(controller_->DeleteCached("spark1", "org/name").status().code(),
            ErrorCode::kJobRunning);
  ASSERT_TRUE(controller_->Cancel(first->id).ok());
  EXPECT_EQ(Wait(first->id).state, JobState::kCancelled);
}

TEST_F(DownloadJobTest, CancelKillsTheRemoteSession) {
  const std::string id = StartSlowDownload();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(controller_->Cancel(id).ok());
  const JobInfo done = Wait(id);
  EXPECT_EQ(done.state, JobState::kCancelled);
  EXPECT_TRUE(killed_);
  EXPECT_EQ(controller_->Stats().downloads.at("cancelled"), 1u);
}

TEST_F(DownloadJobTest, ALostLinkIsWaitedOutAndTheJobGoesOn) {
  {
    std::lock_guard lock(remote_.mu);
    remote_.fail_polls = 5;
  }
  const JobInfo done = Wait(controller_->Download("org/name", false, std::nullopt)->id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  const auto log = controller_->ReadLog(done.id, 0);
  int lost = 0;
  int back = 0;
  for (const auto& line : log->lines) {
    lost += line.text.starts_with("lost the SSH link to spark1") ? 1 : 0;
    back += line.text.starts_with("the SSH link to spark1 is back") ? 1 : 0;
  }
  EXPECT_EQ(lost, 1);  // one line per loss, not per failed poll
  EXPECT_EQ(back, 1);
}

TEST_F(DownloadJobTest, AStoppedControllerLeavesTheDownloadRunningAndTheNextOneFollowsIt) {
  const std::string id = StartSlowDownload();
  ASSERT_FALSE(id.empty());
  controller_.reset();  // spark-control stops: nothing is killed remotely
  EXPECT_FALSE(killed_);
  {
    std::lock_guard lock(remote_.mu);
    remote_.step = 400;
  }
  Restart();
  const JobInfo done = Wait(id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  EXPECT_EQ(done.result["catalog_entry"]["hf_repo"], "org/name");
  EXPECT_EQ(done.progress.bytes_done, 1000u);
}

TEST_F(DownloadJobTest, AScriptThatIsGoneOrDiedWithoutStatusEndsInterrupted) {
  {
    std::lock_guard lock(remote_.mu);
    remote_.gone = true;
  }
  const JobInfo gone = Wait(controller_->Download("org/name", false, std::nullopt)->id);
  EXPECT_EQ(gone.error->code, "interrupted");
  {
    std::lock_guard lock(remote_.mu);
    remote_.gone = false;
    remote_.alive = false;
  }
  const JobInfo died = Wait(controller_->Download("org/name", false, std::nullopt)->id);
  EXPECT_EQ(died.error->code, "interrupted");
  EXPECT_NE(died.error->message.find("without an exit status"), std::string::npos);
}

TEST_F(DownloadJobTest, AClusterDownloadCopiesAndMeasuresOnSparkTwo) {
  {
    std::lock_guard lock(remote_.mu);
    remote_.copy = true;
  }
  const JobInfo done = Wait(controller_->Download("org/name", true, std::nullopt)->id);
  ASSERT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  EXPECT_EQ(done.request["copy_spark"], "spark2");
  EXPECT_NE(detached_body_.find("rsync -a --partial --mkpath"), std::string::npos);
  EXPECT_NE(detached_body_.find("10.0.0.2:.cache/huggingface/hub/models--org--name/"),
            std::string::npos);
  bool spark2_space = false;
  for (const auto& c : executor_.commands()) {
    spark2_space |= c.spark == "spark2" && c.line.starts_with(": spark-control-space");
  }
  EXPECT_TRUE(spark2_space);
}

TEST_F(DownloadJobTest, DeletingTheServedModelIsRefused) {
  served_.Set(std::string(test::kQwen36));
  const auto refused = controller_->DeleteCached("spark1", test::kQwen36);
  EXPECT_EQ(refused.status().code(), ErrorCode::kModelInUse);
  EXPECT_EQ(controller_->DeleteCached("spark9", "org/name").status().code(), ErrorCode::kNotFound);
  const auto deleted = controller_->DeleteCached("spark2", "org/name");
  ASSERT_TRUE(deleted.ok());
  const JobInfo done = Wait(deleted->id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.action, "delete");
  EXPECT_TRUE(Ran(": spark-control-cache-delete repo=org/name;"));
  EXPECT_TRUE(controller_->Stats().downloads.empty());  // deletes are no downloads
}

}  // namespace
}  // namespace spark
