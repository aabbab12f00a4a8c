// The controller's state machine against the simulated cluster (what --demo runs): the order
// of remote commands and phases of a swap, conflicts, cancel, vLLM's service actions.
#include "controller/controller.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "demo/simulated_executor.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/process.h"
#include "support/simulated_controller.h"

namespace spark {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

using test::FakeVllmHttp;
using test::kQwen36;
using ControllerTest = test::ControllerFixture<SystemClock>;
using ControllerOnAFakeClock = test::ControllerFixture<test::FakeClock>;

TEST_F(ControllerTest, ASwapReconcilesStopsLaunchesFollowsAndReprobes) {
  auto job = controller_->Swap("gemma4");
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->state, JobState::kRunning);
  const JobInfo done = Wait(job->id);
  EXPECT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");
  EXPECT_EQ(done.progress.phase, "ready");
  EXPECT_EQ(served_.Get(), "google/gemma-4-26B-A4B-it");
  EXPECT_EQ(probed_, std::vector<std::string>{"vllm"});
  const auto commands = Commands();
  // Both nodes had a container: after the stop, the worker is checked again for an orphan.
  ASSERT_EQ(commands.size(), 6u) << ::testing::PrintToString(commands);
  EXPECT_EQ(commands[0], "spark1: timeout -s KILL 40 docker ps");
  EXPECT_EQ(commands[1], "spark2: timeout -s KILL 40 docker ps");
  EXPECT_NE(commands[2].find(
                "spark1: cd ~/spark-vllm-docker && timeout -s KILL 190 ./launch-cluster.sh stop"),
            std::string::npos);
  EXPECT_EQ(commands[3], "spark2: timeout -s KILL 40 docker ps");
  EXPECT_NE(commands[4].find("./launch-cluster.sh"), std::string::npos);
  EXPECT_NE(executor_.commands()[4].line.find(
                "./launch-cluster.sh --solo -d exec vllm serve google/gemma-4-26B-A4B-it --host "
                "0.0.0.0 --port 8888"),
            std::string::npos);
  EXPECT_NE(commands[5].find("docker logs -f"), std::string::npos);
  // The log holds the remote lines and the loading progress reached the job.
  const auto log = controller_->ReadLog(job->id, 0);
  ASSERT_TRUE(log);
  bool complete = false;
  for (const auto& line : log->lines)
    complete = complete || line.text.find("Application startup complete.") != std::string::npos;
  EXPECT_TRUE(complete);
  const ControllerStats stats = controller_->Stats();
  EXPECT_EQ(stats.swaps.at("succeeded"), 1u);
  EXPECT_EQ(stats.swap_duration.count(), 1u);
}

TEST_F(ControllerTest, SwapsSerialiseAndVllmActionsWaitForThem) {
  auto first = controller_->Swap("gemma4");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(controller_->Swap("qwen36").status().code(), ErrorCode::kSwapRunning);
  EXPECT_EQ(controller_->ServiceAction("vllm", "restart").status().code(), ErrorCode::kSwapRunning);
  EXPECT_EQ(controller_->Stats().running.at(JobKind::kSwap), 1);
  // Speech services are independent of swaps.
  auto parakeet = controller_->ServiceAction("parakeet", "restart");
  ASSERT_TRUE(parakeet.ok()) << parakeet.status().message();
  EXPECT_EQ(controller_->ServiceAction("parakeet", "stop").status().code(), ErrorCode::kJobRunning);
  EXPECT_EQ(Wait(parakeet->id).state, JobState::kSucceeded);
  EXPECT_EQ(Wait(first->id).state, JobState::kSucceeded);
  EXPECT_EQ(controller_->Swap("nope").status().code(), ErrorCode::kUnknownModel);
  EXPECT_EQ(controller_->ServiceAction("nope", "start").status().code(),
            ErrorCode::kUnknownService);
  EXPECT_EQ(controller_->ServiceAction("parakeet", "dance").status().code(),
            ErrorCode::kInvalidField);
  EXPECT_EQ(controller_->ServiceAction("magpie", "fix-cache-ownership").status().code(),
            ErrorCode::kNotConfigured);
}

// A read that gates a mutation: vLLM's served model decides what a restart relaunches, so it
// is read under the lock that starts the restart. A swap asked for meanwhile waits for that
// decision (and is refused, the restart being a swap) instead of slipping in between.
TEST_F(ControllerTest, VllmRestartReadsTheServedModelUnderItsLock) {
  std::future<Result<JobInfo>> swap;
  bool swap_started_in_between = true;
  on_served_read_ = [&] {
    if (swap.valid()) return;
    swap = std::async(std::launch::async, [&] { return controller_->Swap("gemma4"); });
    // Bounded: on the old code the swap starts at once; under the lock it cannot.
    swap_started_in_between = swap.wait_for(milliseconds(300)) == std::future_status::ready;
  };
  auto restart = controller_->ServiceAction("vllm", "restart");
  ASSERT_TRUE(swap.valid());
  const Result<JobInfo> late = swap.get();
  if (late.ok()) Wait(late->id);
  EXPECT_FALSE(swap_started_in_between);
  ASSERT_TRUE(restart.ok()) << restart.status().message();
  EXPECT_EQ(restart->target, "qwen36");
  EXPECT_EQ(late.status().code(), ErrorCode::kSwapRunning);
  EXPECT_EQ(Wait(restart->id).state, JobState::kSucceeded);
}

TEST_F(ControllerTest, VllmRestartRelaunchesTheCurrentModelAndStartTheLastOne) {
  auto restart = controller_->ServiceAction("vllm", "restart");
  ASSERT_TRUE(restart.ok()) << restart.status().message();
  EXPECT_EQ(restart->kind, JobKind::kSwap);
  EXPECT_EQ(restart->target, "qwen36");
  EXPECT_EQ(Wait(restart->id).state, JobState::kSucceeded);
  auto stop = controller_->ServiceAction("vllm", "stop");
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->kind, JobKind::kService);
  EXPECT_EQ(Wait(stop->id).state, JobState::kSucceeded);
  EXPECT_EQ(served_.Get(), "");
  auto start = controller_->ServiceAction("vllm", "start");
  ASSERT_TRUE(start.ok()) << start.status().message();
  EXPECT_EQ(start->target, "qwen36");
  EXPECT_EQ(Wait(start->id).state, JobState::kSucceeded);
  EXPECT_EQ(served_.Get(), kQwen36);
}

// The self-healing loop starts jobs through the same calls as the API, with trigger recovery:
// the job says so (also after a restart), and what a vLLM start launches is LastReadyModel.
TEST_F(ControllerTest, JobsRecordTheirTriggerAndLastReadyModelFollowsSucceededSwaps) {
  EXPECT_FALSE(controller_->LastReadyModel());
  auto swap = controller_->Swap("gemma4", JobTrigger::kRecovery);
  ASSERT_TRUE(swap.ok()) << swap.status().message();
  EXPECT_EQ(swap->trigger, JobTrigger::kRecovery);
  EXPECT_EQ(Wait(swap->id).state, JobState::kSucceeded);
  EXPECT_EQ(controller_->LastReadyModel(), "gemma4");
  auto speech = controller_->ServiceAction("parakeet", "restart", JobTrigger::kRecovery);
  ASSERT_TRUE(speech.ok());
  EXPECT_EQ(speech->trigger, JobTrigger::kRecovery);
  EXPECT_EQ(Wait(speech->id).trigger, JobTrigger::kRecovery);
  auto stop = controller_->ServiceAction("vllm", "stop");
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->trigger, JobTrigger::kUser);
  Wait(stop->id);
  auto start = controller_->ServiceAction("vllm", "start", JobTrigger::kRecovery);
  ASSERT_TRUE(start.ok()) << start.status().message();
  EXPECT_EQ(start->kind, JobKind::kSwap);
  EXPECT_EQ(start->target, "gemma4");
  EXPECT_EQ(start->trigger, JobTrigger::kRecovery);
  Wait(start->id);
  // A failed swap makes nothing ready.
  executor_.SetHostKey("spark1", SimulatedExecutor::HostKeyState::kUnknown, "SHA256:new");
  auto failed = controller_->Swap("qwen36");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->trigger, JobTrigger::kUser);
  EXPECT_EQ(Wait(failed->id).state, JobState::kFailed);
  EXPECT_EQ(controller_->LastReadyModel(), "gemma4");
  Restart();
  EXPECT_EQ(controller_->Job(swap->id)->trigger, JobTrigger::kRecovery);
  EXPECT_EQ(controller_->Job(failed->id)->trigger, JobTrigger::kUser);
  EXPECT_EQ(controller_->LastReadyModel(), "gemma4");
}

TEST_F(ControllerTest, CancelEndsTheSwapAndStopsVllm) {
  auto job = controller_->Swap("gemma4");
  ASSERT_TRUE(job.ok());
  const auto until = std::chrono::steady_clock::now() + seconds(10);
  while (controller_->Job(job->id)->progress.phase != "loading" &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  ASSERT_TRUE(controller_->Cancel(job->id).ok());
  const JobInfo done = Wait(job->id);
  EXPECT_EQ(done.state, JobState::kCancelled);
  EXPECT_EQ(done.error->code, "cancelled");
  EXPECT_NE(Commands().back().find("launch-cluster.sh stop"), std::string::npos);
  EXPECT_EQ(controller_->Cancel(job->id).code(), ErrorCode::kConflict);
  EXPECT_EQ(controller_->Cancel("j999").code(), ErrorCode::kNotFound);
  EXPECT_EQ(controller_->Stats().swaps.at("cancelled"), 1u);
}

TEST_F(ControllerTest, AnUnknownHostKeyFailsTheJobWithTheFingerprint) {
  executor_.SetHostKey("spark1", SimulatedExecutor::HostKeyState::kUnknown, "SHA256:new");
  auto job = controller_->Swap("qwen36");
  ASSERT_TRUE(job.ok());
  const JobInfo done = Wait(job->id);
  ASSERT_TRUE(done.error);
  EXPECT_EQ(done.error->code, "host_key_unknown");
  EXPECT_EQ(done.error->fingerprint, "SHA256:new");
  EXPECT_FALSE(done.error->log_tail.empty());
}

// A data dir that can fill up: a small tmpfs mounted for the test (CI runs as root, where
// chmod stops nothing). Unmounted on destruction.
class TinyTmpfs {
 public:
  explicit TinyTmpfs(const std::filesystem::path& dir) : dir_(dir) {
    std::filesystem::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k,mode=0700") == 0;
    if (!mounted_) why_ = std::string("mount tmpfs: ") + std::strerror(errno);
  }
  ~TinyTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  // Writes a filler file until the file system is full.
  void Fill() const {
    std::ofstream out(dir_ / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (int i = 0; i < 1024 && out; ++i) out.write(block.data(), block.size()) << std::flush;
  }
  void Free() const { std::filesystem::remove(dir_ / "filler"); }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
  std::string why_;
};

TEST_F(ControllerTest, AJobTheJournalCannotRecordIsRefusedBeforeAnythingRuns) {
  const TinyTmpfs data(dir_ / "data");
  if (!data.mounted()) GTEST_SKIP() << "no small file system to fill: " << data.why();
  controller_.reset();
  Controller controller(
      ControllerDeps{executor_, *catalog_, [this] { return config_->Current(); }, clock_,
                     [this] { return std::make_unique<FakeVllmHttp>(served_); },
                     [](const std::string&) {}, [] { return std::optional<std::string>(); }},
      dir_ / "data" / "jobs.jsonl");
  data.Fill();
  const auto swap = controller.Swap("gemma4");
  EXPECT_EQ(swap.status().code(), ErrorCode::kStorageFailed) << swap.status().message();
  EXPECT_EQ(controller.ServiceAction("parakeet", "restart").status().code(),
            ErrorCode::kStorageFailed);
  EXPECT_EQ(controller.ServiceAction("vllm", "stop").status().code(), ErrorCode::kStorageFailed);
  EXPECT_TRUE(executor_.commands().empty()) << "nothing may run remotely";
  EXPECT_TRUE(controller.Jobs().empty());
  // With room again, jobs start; the refused ones' ids are not handed out again.
  data.Free();
  auto job = controller.ServiceAction("parakeet", "restart");
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->id, "j4");
  EXPECT_EQ(Wait(controller, job->id).state, JobState::kSucceeded);
}

TEST_F(ControllerTest, ALinkLostDuringTheLaunchEndsFromWhatTheSparkShows) {
  // The launch detaches on the Spark; the link drops before its answer arrives.
  auto dispatched = std::make_shared<std::atomic<bool>>(false);
  executor_.On("docker ps", [dispatched](const RemoteCommand&) {
    return SimulatedScript::Print(*dispatched ? std::vector<std::string>{"vllm_node Up 1 second"}
                                              : std::vector<std::string>{});
  });
  auto launch = [this, dispatched](bool starts) {
    SimulatedScript script;
    script.lines = {{milliseconds(10), RemoteStream::kStdout, "Starting vllm_node on head node...",
                     [this, dispatched, starts] {
                       *dispatched = starts;
                       if (starts) served_.Set("google/gemma-4-26B-A4B-it");
                     }}};
    script.end = SimulatedScript::End::kError;
    script.error =
        Status::Error(ErrorCode::kSshUnreachable, "the SSH connection to spark1 was lost");
    return script;
  };
  executor_.On("docker logs", SimulatedScript::Print({"INFO:     Application startup complete."}));
  executor_.On("-d exec", launch(true));
  const JobInfo done = Wait(controller_->Swap("gemma4")->id);
  EXPECT_EQ(done.state, JobState::kSucceeded) << (done.error ? done.error->message : "");

  executor_.On("-d exec", launch(false));
  const JobInfo lost = Wait(controller_->Swap("qwen36")->id);
  ASSERT_TRUE(lost.error);
  EXPECT_EQ(lost.error->code, "ssh_unreachable") << lost.error->message;
}

TEST_F(ControllerTest, JobsAreRecordedAndIdsNeverReused) {
  const std::string first = controller_->ServiceAction("parakeet", "restart")->id;
  Wait(first);
  controller_.reset();
  Controller again(
      ControllerDeps{executor_, *catalog_, [this] { return config_->Current(); }, clock_,
                     [this] { return std::make_unique<FakeVllmHttp>(served_); },
                     [](const std::string&) {}, [] { return std::optional<std::string>(); }},
      dir_ / "jobs.jsonl");
  ASSERT_EQ(again.Jobs().size(), 1u);
  EXPECT_EQ(again.Jobs()[0].id, first);
  EXPECT_EQ(again.Jobs()[0].state, JobState::kSucceeded);
  auto next = again.ServiceAction("parakeet", "restart");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->id, "j2");
}

// The watchdog runs on the controller's clock: a vLLM whose log goes quiet while it loads is
// stopped once that clock has passed silent_log_s (300 s by default), not a second earlier.
TEST_F(ControllerOnAFakeClock, AQuietLogStopsTheSwapWhenItsClockSaysSo) {
  SimulatedScript quiet =
      SimulatedScript::Print({"Loading safetensors checkpoint shards:  10% Completed | 1/10"});
  quiet.end = SimulatedScript::End::kHang;
  executor_.On("docker logs", quiet);
  auto job = controller_->Swap("gemma4");
  ASSERT_TRUE(job.ok()) << job.status().message();
  // Through the stop and the launch (their scripted delays run on the fake clock too).
  ASSERT_TRUE(test::Eventually([&] {
    clock_.Advance(milliseconds(100));
    return controller_->Job(job->id)->progress.phase == "loading";
  }));
  // A second at a time, each once the job and its log follow sleep again.
  for (int step = 0; step < 400 && !IsFinished(controller_->Job(job->id)->state); ++step) {
    clock_.AwaitWaiters(2, seconds(2));  // only its clean-up runs once the watchdog fired
    clock_.Advance(seconds(1));
  }
  const JobInfo done = Wait(job->id);
  ASSERT_TRUE(done.error);
  EXPECT_EQ(done.error->code, "silent_log") << done.error->message;
  const auto log = controller_->ReadLog(job->id, 0);
  ASSERT_TRUE(log);
  WallTime quiet_since{};
  for (const auto& line : log->lines) {
    if (line.text.starts_with("Loading safetensors")) quiet_since = line.ts;
  }
  ASSERT_NE(quiet_since, WallTime{});
  ASSERT_TRUE(done.ended_at);
  EXPECT_GE(*done.ended_at - quiet_since, seconds(300));
  EXPECT_LE(*done.ended_at - quiet_since, seconds(303));
}

}  // namespace
}  // namespace spark
