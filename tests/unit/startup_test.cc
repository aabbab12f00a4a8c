// What the composition root decides at start, now testable on its own: the data dir and the
// warnings an operator sees.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/process.h"
#include "web/data_dir.h"
#include "web/warnings.h"

namespace spark {
namespace {

using test::TempDir;

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(DataDir, FlagWinsOverTheEnvironmentAndIsCreatedPrivate) {
  TempDir tmp;
  Flags flags;
  flags.data_dir = (tmp / "from-flag").string();
  const auto dir = ResolveDataDir(flags, (tmp / "from-env").c_str());
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  EXPECT_EQ(dir->path, tmp / "from-flag");
  EXPECT_FALSE(dir->temporary);
  EXPECT_EQ(ModeOf(dir->path), 0700u);
  EXPECT_FALSE(std::filesystem::exists(tmp / "from-env"));
}

TEST(DataDir, EnvironmentWhenNoFlagButNeverInDemoMode) {
  TempDir tmp;
  Flags flags;
  const auto from_env = ResolveDataDir(flags, (tmp / "env").c_str());
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->path, tmp / "env");

  flags.demo = true;  // a demo must not touch real state
  const auto demo = ResolveDataDir(flags, (tmp / "env-demo").c_str());
  ASSERT_TRUE(demo.ok());
  EXPECT_TRUE(demo->temporary);
  EXPECT_NE(demo->path.filename().string().find("spark-control-demo-"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp / "env-demo"));
  std::filesystem::remove_all(demo->path);
}

TEST(DataDir, LeftoverTempFilesOfACrashAreRemovedAndDataKept) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "d");
  std::ofstream(tmp / "d" / "config.yaml") << "cluster: a\n";
  std::ofstream(tmp / "d" / "config.yaml.tmp-spark-123-1") << "half";
  Flags flags;
  flags.data_dir = (tmp / "d").string();
  ASSERT_TRUE(ResolveDataDir(flags, nullptr).ok());
  EXPECT_TRUE(std::filesystem::exists(tmp / "d" / "config.yaml"));
  EXPECT_FALSE(std::filesystem::exists(tmp / "d" / "config.yaml.tmp-spark-123-1"));
}

TEST(DataDir, AFileInTheWayIsAnErrorNotACrash) {
  TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  Flags flags;
  flags.data_dir = (tmp / "file").string();
  const auto dir = ResolveDataDir(flags, nullptr);
  ASSERT_FALSE(dir.ok());
  EXPECT_FALSE(dir.status().message().empty());
}

TEST(Warnings, OpenPortWithoutTokenIsNamedAfterTheNotes) {
  Config config;
  WarningSources sources{.startup_notes = {"catalog fallback"},
                         .audit_failure = "audit log: disk full",
                         .open_beyond_loopback = true};
  const auto w = CurrentWarnings(config, sources);
  ASSERT_GE(w.size(), 3u);
  EXPECT_EQ(w[0], "catalog fallback");
  EXPECT_EQ(w[1], "audit log: disk full");
  EXPECT_NE(w.back().find("SPARK_CONTROL_TOKEN"), std::string::npos);

  config.auth.token = "secret";
  for (const auto& line : CurrentWarnings(config, sources)) {
    EXPECT_EQ(line.find("SPARK_CONTROL_TOKEN"), std::string::npos) << line;
  }
  sources.open_beyond_loopback = false;
  config.auth.token.reset();
  for (const auto& line : CurrentWarnings(config, sources)) {
    EXPECT_EQ(line.find("SPARK_CONTROL_TOKEN"), std::string::npos) << line;
  }
}

TEST(Warnings, LoopbackIsTheWhole127Network) {
  EXPECT_TRUE(ListensOnLoopbackOnly("127.0.0.1:9999"));
  EXPECT_TRUE(ListensOnLoopbackOnly("127.3.4.5:0"));
  EXPECT_FALSE(ListensOnLoopbackOnly("0.0.0.0:9999"));
  EXPECT_FALSE(ListensOnLoopbackOnly("10.0.0.5:9999"));
}

}  // namespace
}  // namespace spark
