// The demo's spark-vllm-docker checkout and images (web/demo simulated_update): the check and
// image lines read back by the real parsers, retagging, and a detached apply on a fake clock
// that pulls, builds on the head, copies to Spark 2 and changes the version of the next launch.
#include "demo/simulated_update.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "controller/detached_commands.h"
#include "controller/detached_poll.h"
#include "controller/update_commands.h"
#include "controller/update_report.h"
#include "demo/simulated_downloads.h"
#include "support/fake_clock.h"

namespace spark {
namespace {

using std::chrono::seconds;

const std::string kUpdateJobDir = "~/.cache/spark-control/jobs/lab/j9";

class UpdateRulesTest : public ::testing::Test {
 protected:
  UpdateRulesTest() {
    SimulatedHub hub;
    hub.latency = {};
    AddHfRules(executor_, clock_, hub, detached_);
    AddUpdateRules(executor_, updates_, detached_, Duration{});
  }

  CollectedOutput Run(const RemoteCommandLine& line, const std::string& spark = "spark1") {
    return RunCollecting(executor_, RemoteCommand{spark, line.line, line.timeout, {}});
  }
  static std::string Joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  CheckoutReport Check() {
    auto report = ParseCheckoutReport(Joined(Run(*commands_.Check()).stdout_lines));
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? *report : CheckoutReport{};
  }
  std::map<std::string, std::optional<ImageRef>> Images(const std::string& spark) {
    auto images = ParseImageReport(Joined(Run(commands_.Images(), spark).stdout_lines));
    EXPECT_TRUE(images.ok());
    return images.ok() ? *images : std::map<std::string, std::optional<ImageRef>>{};
  }
  // Polls the apply until it ended (bounded), the clock moving a second per poll.
  std::vector<std::string> FollowApply() {
    std::vector<std::string> log;
    uint64_t offset = 0;
    for (int i = 0; i < 60; ++i) {
      const auto out = Run(DetachedCommands::Poll(kUpdateJobDir, offset, std::nullopt));
      const auto poll = ParseDetachedPoll(out.stdout_lines, offset);
      EXPECT_TRUE(poll.ok());
      if (!poll.ok()) break;
      for (const auto& line : poll->lines) log.push_back(line);
      offset = poll->next;
      if (!poll->alive) {
        EXPECT_EQ(poll->status, 0);
        return log;
      }
      clock_.Advance(seconds(1));
    }
    ADD_FAILURE() << "the apply did not end within 60 polls";
    return log;
  }

  test::FakeClock clock_;
  SimulatedExecutor executor_{clock_};
  std::shared_ptr<SimulatedDetachedJobs> detached_ =
      std::make_shared<SimulatedDetachedJobs>(clock_);
  std::shared_ptr<SimulatedUpdates> updates_ = std::make_shared<SimulatedUpdates>(clock_);
  UpdateCommands commands_{"~/spark-vllm-docker"};
};

TEST_F(UpdateRulesTest, TheCheckoutIsFourCommitsBehindWithRecentSubjects) {
  const CheckoutReport report = Check();
  EXPECT_EQ(CheckoutState(report), "behind");
  EXPECT_EQ(report.behind, 4);
  EXPECT_EQ(report.ahead, 0);
  EXPECT_EQ(report.branch, "main");
  ASSERT_EQ(report.commits.size(), 4u);
  EXPECT_EQ(report.commits.front().sha, report.upstream);
  EXPECT_FALSE(report.commits.front().subject.empty());
  EXPECT_GT(report.commits.front().date, report.commits.back().date) << "newest first";
}

TEST_F(UpdateRulesTest, BothSparksHoldTheSameImageAndNoPreviousOne) {
  const auto one = Images("spark1");
  const auto two = Images("spark2");
  ASSERT_TRUE(one.at(kLaunchImage));
  ASSERT_TRUE(two.at(kLaunchImage));
  EXPECT_EQ(one.at(kLaunchImage)->id, two.at(kLaunchImage)->id);
  EXPECT_FALSE(one.at(kPreviousImage));
  const auto built = ParseDockerTime(one.at(kLaunchImage)->created);
  ASSERT_TRUE(built);
  EXPECT_LT(*built, clock_.WallNow() - std::chrono::hours(24 * 6));
  EXPECT_EQ(updates_->LaunchVersion(), "0.11.1");
}

TEST_F(UpdateRulesTest, TaggingCopiesAnImageAndFailsForAMissingOne) {
  const auto missing = Run(*commands_.Tag(kPreviousImage, kLaunchImage));
  EXPECT_EQ(missing.outcome.exit_code, 1);
  const auto tagged = Run(*commands_.Tag(kLaunchImage, kPreviousImage));
  EXPECT_TRUE(tagged.outcome.status.ok());
  ASSERT_EQ(tagged.stdout_lines.size(), 1u);
  EXPECT_EQ(Images("spark1").at(kPreviousImage)->id, Images("spark1").at(kLaunchImage)->id);
  EXPECT_FALSE(Images("spark2").at(kPreviousImage)) << "only spark1 was tagged";
}

TEST_F(UpdateRulesTest, AnApplyStreamsTheBuildThenPullsBuildsAndCopies) {
  const std::string old_id = Images("spark1").at(kLaunchImage)->id;
  const auto script = commands_.ApplyScript(UpdateCopy{"127.0.0.2", "demo"});
  ASSERT_TRUE(script.ok());
  const auto started = Run(DetachedCommands::Start(kUpdateJobDir, *script));
  ASSERT_EQ(started.stdout_lines.size(), 1u);
  const SteadyTime begin = clock_.Now();
  const auto log = FollowApply();
  const double took = Seconds(clock_.Now() - begin);
  EXPECT_GE(took, 15);
  EXPECT_LE(took, 25);
  EXPECT_EQ(log.front(), "spark-control-phase pulling");
  for (const std::string prefix :
       {"spark-control-phase building", "Building image with command: docker build",
        "Copying image 'vllm-node' to 1 host(s): 127.0.0.2", "Loading image into demo@127.0.0.2...",
        "Copy complete.", "         TIMING STATISTICS"}) {
    EXPECT_TRUE(std::any_of(log.begin(), log.end(), [&](const std::string& line) {
      return line.rfind(prefix, 0) == 0;
    })) << prefix;
  }
  EXPECT_EQ(log.back(), "Done preparing vllm-node.");

  EXPECT_EQ(Check().behind, 0);
  EXPECT_TRUE(Check().commits.empty());
  const auto one = Images("spark1").at(kLaunchImage);
  const auto two = Images("spark2").at(kLaunchImage);
  ASSERT_TRUE(one && two);
  EXPECT_NE(one->id, old_id);
  EXPECT_EQ(one->id, two->id);
  EXPECT_TRUE(ParseDockerTime(one->created));
  EXPECT_EQ(updates_->LaunchVersion().rfind("0.11.2rc1.dev", 0), 0u);
}

TEST_F(UpdateRulesTest, AKilledApplyChangesNoImage) {
  const std::string old_id = Images("spark1").at(kLaunchImage)->id;
  ASSERT_TRUE(Run(DetachedCommands::Start(kUpdateJobDir, *commands_.ApplyScript(std::nullopt)))
                  .outcome.status.ok());
  clock_.Advance(seconds(5));
  Run(DetachedCommands::Kill(kUpdateJobDir));
  clock_.Advance(seconds(60));
  EXPECT_EQ(Images("spark1").at(kLaunchImage)->id, old_id);
  EXPECT_EQ(Check().behind, 0) << "the pull had finished before the kill";
}

}  // namespace
}  // namespace spark
