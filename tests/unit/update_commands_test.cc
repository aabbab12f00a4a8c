// The update command lines (issue 15): their markers and bounds, the checkout dir quoted, the
// hosts and users of the copy and the image tags on allow-lists, and the image lines run for
// real under bash against a fake docker that keeps its tags in files.
#include "controller/update_commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "controller/remote_names.h"
#include "controller/update_report.h"
#include "support/local_shell.h"
#include "support/process.h"

namespace spark {
namespace {

using std::chrono::seconds;

TEST(UpdateCommands, LinesStartWithTheirMarkerAndAreBounded) {
  const UpdateCommands commands("~/spark-vllm-docker");
  const auto check = commands.Check();
  ASSERT_TRUE(check.ok()) << check.status().message();
  EXPECT_TRUE(check->line.starts_with(": spark-control-update-check; timeout -s KILL 100 bash -c "))
      << check->line;
  EXPECT_EQ(check->timeout, seconds(90));
  const auto images = commands.Images();
  EXPECT_TRUE(images.line.starts_with(": spark-control-image; timeout -s KILL 40 bash -c "));
  EXPECT_EQ(images.timeout, seconds(30));
  const auto tag = commands.Tag(kLaunchImage, kPreviousImage);
  ASSERT_TRUE(tag.ok());
  EXPECT_TRUE(tag->line.starts_with(
      ": spark-control-image-tag from=vllm-node to=vllm-node:previous; timeout -s KILL "));
}

TEST(UpdateCommands, TheCheckExportsTheGitEnvironmentAndEndsWithItsEndLine) {
  const auto check = UpdateCommands("/opt/spark vllm").Check();
  ASSERT_TRUE(check.ok());
  EXPECT_NE(check->line.find("export LC_ALL=C GIT_TERMINAL_PROMPT=0"), std::string::npos);
  EXPECT_NE(check->line.find("git fetch --quiet"), std::string::npos);
  EXPECT_NE(check->line.find("--untracked-files=no"), std::string::npos);
  // The dir is quoted inside the script, which is quoted once more for the SSH shell.
  EXPECT_NE(check->line.find("d='\\''/opt/spark vllm'\\''"), std::string::npos) << check->line;
  EXPECT_NE(check->line.find("echo spark-control-update-check-end"), std::string::npos);
}

TEST(UpdateCommands, TheApplyScriptPullsThenBuildsAndCopies) {
  const UpdateCommands commands("~/spark-vllm-docker");
  const auto solo = commands.ApplyScript(std::nullopt);
  ASSERT_TRUE(solo.ok());
  EXPECT_EQ(*solo,
            ": spark-control-update-apply copy=none;\n"
            "export LC_ALL=C GIT_TERMINAL_PROMPT=0\n"
            "cd ~/spark-vllm-docker || exit 3\n"
            "echo spark-control-phase pulling\n"
            "timeout 600 git pull --ff-only </dev/null || exit $?\n"
            "echo spark-control-phase building\n"
            "./build-and-copy.sh\n");
  const auto copy = commands.ApplyScript(UpdateCopy{"192.168.100.11", "dgx"});
  ASSERT_TRUE(copy.ok());
  EXPECT_TRUE(copy->starts_with(": spark-control-update-apply copy=192.168.100.11;\n"));
  EXPECT_TRUE(copy->ends_with("\n./build-and-copy.sh -c 192.168.100.11 -u dgx\n")) << *copy;
  const auto no_user = commands.ApplyScript(UpdateCopy{"spark2.lan", std::nullopt});
  ASSERT_TRUE(no_user.ok());
  EXPECT_TRUE(no_user->ends_with("\n./build-and-copy.sh -c spark2.lan\n"));
}

TEST(UpdateCommands, HostileDirsAreRefusedOrQuoted) {
  for (const char* dir : {"x$(touch /tmp/pwned)", "a;reboot", "--help", "'", "spark-vllm-docker",
                          "~/../etc", "/a/./b", "/a\nreboot", ""}) {
    const UpdateCommands commands(dir);
    const auto check = commands.Check();
    ASSERT_FALSE(check.ok()) << dir;
    EXPECT_EQ(check.status().code(), ErrorCode::kInvalidField);
    EXPECT_EQ(check.status().field(), "dir");
    EXPECT_FALSE(commands.ApplyScript(std::nullopt).ok()) << dir;
  }
  // An absolute dir with shell syntax passes the allow-list and stays one quoted word.
  const auto apply = UpdateCommands("/srv/x$(touch /tmp/pwned);'a").ApplyScript(std::nullopt);
  ASSERT_TRUE(apply.ok());
  EXPECT_NE(apply->find("cd '/srv/x$(touch /tmp/pwned);'\\''a' || exit 3\n"), std::string::npos)
      << *apply;
}

TEST(UpdateCommands, HostileHostsAndUsersAreRefused) {
  const UpdateCommands commands("~/spark-vllm-docker");
  for (const char* host :
       {"x$(touch /tmp/pwned)", "a;reboot", "--help", "-oProxyCommand=x", "'", "a b", "", "a@b"}) {
    const auto script = commands.ApplyScript(UpdateCopy{host, std::nullopt});
    ASSERT_FALSE(script.ok()) << host;
    EXPECT_EQ(script.status().field(), "host") << host;
  }
  for (const char* user : {"x$(touch /tmp/pwned)", "a;reboot", "--help", "'", "", "-u", ".x", "a@b",
                           "abcdefghijklmnopqrstuvwxyz0123456"}) {
    const auto script = commands.ApplyScript(UpdateCopy{"spark2", std::string(user)});
    ASSERT_FALSE(script.ok()) << user;
    EXPECT_EQ(script.status().field(), "user") << user;
  }
  EXPECT_TRUE(ValidateHostName("fe80::1").ok());
  EXPECT_TRUE(ValidateHostName(std::string(253, 'a')).ok());
  EXPECT_FALSE(ValidateHostName(std::string(254, 'a')).ok());
  EXPECT_TRUE(ValidateUserName("_svc.user-1").ok());
  EXPECT_TRUE(ValidateUserName("Dgx").ok());
}

TEST(UpdateCommands, OnlyTheTwoUpdateTagsAreTagged) {
  const UpdateCommands commands("~/spark-vllm-docker");
  EXPECT_TRUE(commands.Tag(kPreviousImage, kLaunchImage).ok());
  for (auto [from, to] : {std::pair{"vllm-node", "vllm-node"},
                          {"ubuntu", "vllm-node"},
                          {"vllm-node", "x;reboot"},
                          {"vllm-node:previous", "--help"}}) {
    const auto tag = commands.Tag(from, to);
    ASSERT_FALSE(tag.ok()) << from << " " << to;
    EXPECT_EQ(tag.status().code(), ErrorCode::kInvalidField);
    EXPECT_EQ(tag.status().field(), "image");
  }
}

// A docker that knows `image inspect TAG --format F` and `tag A B`; tags live in $HOME/images
// as files holding "ID CREATED".
constexpr const char* kFakeDocker = R"sh(#!/bin/bash
s="$HOME/images"; mkdir -p "$s"
f() { printf '%s' "$1" | tr '/:' '__'; }
case "$1 $2" in
  "image inspect")
    [ -f "$s/$(f "$3")" ] || { echo "Error: No such image: $3" >&2; exit 1; }
    cat "$s/$(f "$3")";;
  "tag "*)
    [ -f "$s/$(f "$2")" ] || { echo "Error response from daemon: No such image: $2" >&2; exit 1; }
    cp "$s/$(f "$2")" "$s/$(f "$3")";;
  *) echo "unexpected: $*" >&2; exit 2;;
esac
)sh";

class FakeDocker : public testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(home_ / "bin");
    std::ofstream(home_ / "bin/docker") << kFakeDocker;
    std::filesystem::permissions(home_ / "bin/docker", std::filesystem::perms::owner_all);
    env_ = {{"HOME", home_.path()}, {"PATH", (home_ / "bin").string() + ":/usr/bin:/bin"}};
  }
  void Image(const std::string& file, const std::string& text) {
    std::filesystem::create_directories(home_ / "images");
    std::ofstream(home_ / "images" / file) << text << "\n";
  }

  test::TempDir home_;
  std::map<std::string, std::string> env_;
  const UpdateCommands commands_{"~/spark-vllm-docker"};
};

const std::string kId = "sha256:" + std::string(64, 'a');

TEST_F(FakeDocker, ImagesReportsBothTagsPresentOrAbsent) {
  EXPECT_EQ(test::RunShellLine(env_, commands_.Images().line),
            "image vllm-node -\nimage vllm-node:previous -\n");
  Image("vllm-node", kId + " 2026-11-30T10:00:00.123456789Z");
  const std::string out = test::RunShellLine(env_, commands_.Images().line);
  EXPECT_EQ(out, "image vllm-node " + kId +
                     " 2026-11-30T10:00:00.123456789Z\nimage vllm-node:previous -\n");
  const auto images = ParseImageReport(out);
  ASSERT_TRUE(images.ok());
  ASSERT_TRUE(images->at(kLaunchImage).has_value());
  EXPECT_EQ(images->at(kLaunchImage)->id, kId);
  EXPECT_FALSE(images->at(kPreviousImage).has_value());
}

TEST_F(FakeDocker, WithoutDockerBothTagsAreAbsent) {
  // A PATH of bash, timeout and head alone: no docker at all.
  std::filesystem::remove(home_ / "bin/docker");
  for (const char* tool : {"bash", "timeout", "head"}) {
    std::filesystem::create_symlink(std::string("/usr/bin/") + tool, home_ / "bin" / tool);
  }
  env_["PATH"] = (home_ / "bin").string();
  EXPECT_EQ(test::RunShellLine(env_, commands_.Images().line),
            "image vllm-node -\nimage vllm-node:previous -\n");
}

TEST_F(FakeDocker, TagCopiesTheImageAndPrintsTheNewTagsLine) {
  Image("vllm-node", kId + " 2026-11-30T10:00:00+01:00");
  const auto tag = commands_.Tag(kLaunchImage, kPreviousImage);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(test::RunShellLine(env_, tag->line),
            "image vllm-node:previous " + kId + " 2026-11-30T10:00:00+01:00\n");
  EXPECT_TRUE(std::filesystem::exists(home_ / "images/vllm-node_previous"));
}

TEST_F(FakeDocker, TagOfAMissingImageFailsWithDockersStatus) {
  const auto tag = commands_.Tag(kPreviousImage, kLaunchImage);
  ASSERT_TRUE(tag.ok());
  const std::string line = tag->line + "; echo \"status $?\"";
  EXPECT_EQ(test::RunShellLine(env_, line), "status 1\n");
}

}  // namespace
}  // namespace spark
