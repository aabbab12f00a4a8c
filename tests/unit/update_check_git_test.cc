// The update check's line run for real: /bin/bash (HOME in a temp dir, as sshd would run it on
// the head) against real git repositories — a bare upstream, the checkout cloned from it, and a
// second clone that pushes new commits upstream. What it prints is read by
// ParseCheckoutReport, as the monitor does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "controller/shell_quote.h"
#include "controller/update_commands.h"
#include "controller/update_report.h"
#include "support/local_shell.h"
#include "support/process.h"

namespace spark {
namespace {

class UpdateCheckGit : public testing::Test {
 protected:
  void SetUp() override {
    env_ = {{"HOME", home_.path()},
            {"GIT_CONFIG_NOSYSTEM", "1"},
            {"GIT_AUTHOR_NAME", "Upstream Dev"},
            {"GIT_AUTHOR_EMAIL", "dev@example.com"},
            {"GIT_COMMITTER_NAME", "Upstream Dev"},
            {"GIT_COMMITTER_EMAIL", "dev@example.com"}};
    Shell("git init -q --bare -b main upstream.git && git clone -q upstream.git work 2>/dev/null");
    Commit("work", "Initial import", "launch-cluster.sh");
    Shell("cd work && git push -q origin main");
    Shell("git clone -q upstream.git spark-vllm-docker");
  }

  // Runs `script` in HOME; its stdout.
  std::string Shell(const std::string& script) {
    return test::RunShellLine(env_, "cd \"$HOME\" && " + script);
  }
  // A commit in `repo` that changes `file`, one minute after the previous one.
  void Commit(const std::string& repo, const std::string& subject, const std::string& file) {
    const std::string date = "2026-11-30T10:" + std::to_string(10 + commits_++) + ":00+01:00";
    Shell("cd " + repo + " && echo " + std::to_string(commits_) + " >> " + file + " && git add " +
          file + " && GIT_COMMITTER_DATE=" + date + " GIT_AUTHOR_DATE=" + date +
          " git commit -q -m " + ShellQuote(subject));
  }
  void PushUpstream(const std::vector<std::string>& subjects) {
    for (const auto& subject : subjects) Commit("work", subject, "recipes.yaml");
    Shell("cd work && git push -q origin main");
  }
  std::string Head(const std::string& repo) {
    std::string sha = Shell("cd " + repo + " && git rev-parse HEAD");
    if (sha.ends_with('\n')) sha.pop_back();
    return sha;
  }
  // The check's stdout for the checkout at `dir` (a config value).
  std::string CheckOutput(const std::string& dir = "~/spark-vllm-docker") {
    const auto check = UpdateCommands(dir).Check();
    EXPECT_TRUE(check.ok()) << check.status().message();
    return check.ok() ? test::RunShellLine(env_, check->line) : std::string();
  }
  CheckoutReport Check(const std::string& dir = "~/spark-vllm-docker") {
    const std::string out = CheckOutput(dir);
    auto report = ParseCheckoutReport(out);
    EXPECT_TRUE(report.ok()) << report.status().message() << "\n" << out;
    return report.ok() ? *report : CheckoutReport{};
  }

  test::TempDir home_;
  std::map<std::string, std::string> env_;
  int commits_ = 0;
};

TEST_F(UpdateCheckGit, AFreshCloneIsOk) {
  const std::string sha = Head("spark-vllm-docker");
  EXPECT_EQ(CheckOutput(), "fetch ok\nbranch main\nlocal " + sha + "\nupstream origin/main " + sha +
                               "\ndirty 0\nbehind 0\nahead 0\n"
                               "spark-control-update-check-end\n");
  EXPECT_EQ(CheckoutState(Check()), "ok");
}

TEST_F(UpdateCheckGit, NewUpstreamCommitsAreBehindWithTheirSubjectsNewestFirst) {
  PushUpstream({"Add Qwen3 recipe", "Default to no-Ray launch", "Bump vLLM to nightly"});
  const CheckoutReport report = Check();
  EXPECT_TRUE(report.fetched);
  EXPECT_EQ(report.behind, 3);
  EXPECT_EQ(report.ahead, 0);
  EXPECT_EQ(report.upstream, Head("work"));
  ASSERT_EQ(report.commits.size(), 3u);
  EXPECT_EQ(report.commits[0].subject, "Bump vLLM to nightly");
  EXPECT_EQ(report.commits[1].subject, "Default to no-Ray launch");
  EXPECT_EQ(report.commits[2].subject, "Add Qwen3 recipe");
  EXPECT_EQ(report.commits[0].sha, Head("work"));
  EXPECT_EQ(report.commits[0].date, "2026-11-30T10:13:00+01:00");
  EXPECT_EQ(CheckoutState(report), "behind");
  // After a pull the checkout is even again.
  Shell("cd spark-vllm-docker && git pull -q --ff-only");
  EXPECT_EQ(CheckoutState(Check()), "ok");
}

TEST_F(UpdateCheckGit, OnlyTheNewest20CommitsAreListedButAllCounted) {
  std::vector<std::string> subjects;
  for (int i = 1; i <= 23; ++i) subjects.push_back("Change " + std::to_string(i));
  PushUpstream(subjects);
  const CheckoutReport report = Check();
  EXPECT_EQ(report.behind, 23);
  ASSERT_EQ(report.commits.size(), 20u);
  EXPECT_EQ(report.commits.front().subject, "Change 23");
  EXPECT_EQ(report.commits.back().subject, "Change 4");
}

TEST_F(UpdateCheckGit, ALongUtf8SubjectIsCutAtACharacterBoundary) {
  std::string subject = "Ü";  // 2 bytes, then 2-byte characters: byte 200 falls mid-character
  for (int i = 0; i < 150; ++i) subject += "é";
  PushUpstream({subject});
  const CheckoutReport report = Check();
  ASSERT_EQ(report.commits.size(), 1u);
  EXPECT_EQ(report.commits[0].subject.size(), 200u);
  EXPECT_TRUE(subject.starts_with(report.commits[0].subject));
}

TEST_F(UpdateCheckGit, ALocalEditIsDirtyButAnUntrackedEnvFileIsNot) {
  std::ofstream(home_ / "spark-vllm-docker/.env") << "HF_TOKEN=x\n";
  CheckoutReport report = Check();
  EXPECT_EQ(report.dirty, 0);
  EXPECT_EQ(CheckoutState(report), "ok");
  std::ofstream(home_ / "spark-vllm-docker/launch-cluster.sh", std::ios::app) << "# local\n";
  PushUpstream({"Upstream fix"});
  report = Check();
  EXPECT_EQ(report.dirty, 1);
  EXPECT_EQ(report.behind, 1);
  EXPECT_EQ(CheckoutState(report), "dirty");
}

TEST_F(UpdateCheckGit, ALocalCommitIsAheadAndCountsAsLocalChanges) {
  Commit("spark-vllm-docker", "My tweak", "launch-cluster.sh");
  const CheckoutReport report = Check();
  EXPECT_EQ(report.ahead, 1);
  EXPECT_EQ(report.dirty, 0);
  EXPECT_EQ(CheckoutState(report), "dirty");
}

TEST_F(UpdateCheckGit, ADetachedHeadIsDetachedWithoutUpstream) {
  PushUpstream({"Upstream fix"});
  Shell("cd spark-vllm-docker && git checkout -q --detach");
  const std::string out = CheckOutput();
  EXPECT_NE(out.find("\nbranch -\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nupstream -\n"), std::string::npos) << out;
  const auto report = ParseCheckoutReport(out);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->branch);
  EXPECT_FALSE(report->behind);
  EXPECT_TRUE(report->commits.empty());
  EXPECT_EQ(CheckoutState(*report), "detached");
}

TEST_F(UpdateCheckGit, ABranchWithoutUpstreamIsUnknown) {
  Shell("cd spark-vllm-docker && git checkout -q -b experiment");
  const CheckoutReport report = Check();
  EXPECT_EQ(report.branch, "experiment");
  EXPECT_FALSE(report.upstream);
  EXPECT_FALSE(report.behind);
  EXPECT_EQ(CheckoutState(report), "unknown");
}

TEST_F(UpdateCheckGit, APlainOrMissingDirectoryIsNoCheckout) {
  std::filesystem::create_directories(home_ / "plain");
  const std::string absolute = home_.path().string() + "/plain";
  auto expect_no_checkout = [&](const std::string& dir, const std::string& why) {
    const std::string out = CheckOutput(dir);
    const auto report = ParseCheckoutReport(out);
    ASSERT_TRUE(report.ok()) << out;
    EXPECT_FALSE(report->local) << out;
    EXPECT_FALSE(report->fetched);
    EXPECT_NE(report->fetch_error.find(why), std::string::npos) << report->fetch_error;
    EXPECT_EQ(CheckoutState(*report), "unknown");
  };
  expect_no_checkout("~/missing", "no directory " + home_.path().string() + "/missing");
  expect_no_checkout("~/plain", "/plain is not a git checkout (fatal: not a git repository");
  // A home kept in git: a plain directory inside it is still no checkout of its own.
  Shell("git init -q .");
  expect_no_checkout("~/plain", "/plain is not a git checkout (it lies in " +
                                    std::filesystem::canonical(home_.path()).string() + ")");
  expect_no_checkout(absolute, absolute + " is not a git checkout (it lies in ");
}

TEST_F(UpdateCheckGit, WithoutGitTheCheckSaysSo) {
  std::filesystem::create_directories(home_ / "bin");
  for (const char* tool : {"bash", "timeout", "tr"}) {
    std::filesystem::create_symlink(std::string("/usr/bin/") + tool, home_ / "bin" / tool);
  }
  env_["PATH"] = (home_ / "bin").string();
  const auto report = ParseCheckoutReport(CheckOutput());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->fetch_error, "git is not installed");
  EXPECT_EQ(CheckoutState(*report), "unknown");
}

TEST_F(UpdateCheckGit, AFailedFetchNamesGitsErrorAndKeepsTheRest) {
  PushUpstream({"Upstream fix"});
  Shell("cd spark-vllm-docker && git fetch -q && git remote set-url origin \"$HOME/gone.git\"");
  const CheckoutReport report = Check();
  EXPECT_FALSE(report.fetched);
  EXPECT_NE(report.fetch_error.find("gone.git"), std::string::npos) << report.fetch_error;
  // What the last good fetch brought is still compared.
  EXPECT_EQ(report.behind, 1);
  EXPECT_EQ(CheckoutState(report), "behind");
}

TEST_F(UpdateCheckGit, ADirectoryNamedWithShellSyntaxIsOneWordAndRunsNothing) {
  const std::string name = "x$(touch pwned);a'b";
  Shell("git clone -q upstream.git " + ShellQuote(name));
  const CheckoutReport report = Check("~/" + name);
  EXPECT_EQ(report.local, Head(ShellQuote(name)));
  EXPECT_EQ(CheckoutState(report), "ok");
  EXPECT_FALSE(std::filesystem::exists(home_ / "pwned"));
}

// The apply job's body run for real (not detached here: DetachedCommands wraps it unchanged):
// it pulls, then calls build-and-copy.sh with the copy's host and user.
TEST_F(UpdateCheckGit, TheApplyBodyPullsThenBuildsWithTheCopyTarget) {
  PushUpstream({"Upstream fix"});
  std::ofstream(home_ / "spark-vllm-docker/build-and-copy.sh")
      << "#!/bin/bash\necho \"building with: $*\"\nexit 5\n";
  std::filesystem::permissions(home_ / "spark-vllm-docker/build-and-copy.sh",
                               std::filesystem::perms::owner_all);
  const auto body =
      UpdateCommands("~/spark-vllm-docker").ApplyScript(UpdateCopy{"192.168.100.11", "dgx"});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(Shell("{ bash -c " + ShellQuote(*body) + " 2>&1; echo \"exit $?\"; }" +
                  " | grep -E '^(spark-control|building|exit|Fast-forward)'"),
            "spark-control-phase pulling\nFast-forward\nspark-control-phase building\n"
            "building with: -c 192.168.100.11 -u dgx\nexit 5\n");
  EXPECT_EQ(Head("spark-vllm-docker"), Head("work"));
  EXPECT_EQ(CheckoutState(Check()), "ok");
}

TEST_F(UpdateCheckGit, TheApplyBodyStopsWhenTheCheckoutHasDiverged) {
  PushUpstream({"Upstream fix"});
  Commit("spark-vllm-docker", "My tweak", "launch-cluster.sh");
  const auto body = UpdateCommands("~/spark-vllm-docker").ApplyScript(std::nullopt);
  ASSERT_TRUE(body.ok());
  const std::string out = Shell("bash -c " + ShellQuote(*body) + " 2>/dev/null; echo \"exit $?\"");
  EXPECT_EQ(out, "spark-control-phase pulling\nexit 128\n");
  const auto missing = UpdateCommands("~/gone").ApplyScript(std::nullopt);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(Shell("bash -c " + ShellQuote(*missing) + " 2>/dev/null; echo \"exit $?\""),
            "exit 3\n");
}

}  // namespace
}  // namespace spark
