// The Hugging Face cache of a Spark as the cache-scan and space commands report it (issue 14
// design: `spark-control-cache-scan`, `spark-control-space`), including listings a broken or
// hostile remote side could send.
#include "controller/cache_listing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spark {
namespace {

using Lines = std::vector<std::string>;

TEST(CacheListing, MapsRepoIdsToCacheDirectoriesAndBack) {
  EXPECT_EQ(CacheDirName("Qwen/Qwen3-235B-A22B-FP8"), "models--Qwen--Qwen3-235B-A22B-FP8");
  EXPECT_EQ(CacheDirName("gpt2"), "models--gpt2");
  EXPECT_EQ(RepoFromCacheDir("models--Qwen--Qwen3-235B-A22B-FP8"), "Qwen/Qwen3-235B-A22B-FP8");
  EXPECT_EQ(RepoFromCacheDir("models--gpt2"), "gpt2");
  EXPECT_EQ(RepoFromCacheDir("models--nvidia--NVIDIA-Nemotron-Nano-9B-v2"),
            "nvidia/NVIDIA-Nemotron-Nano-9B-v2");
  for (const char* dir : {"datasets--acme--data", ".locks", "models--", "models--a--b--c",
                          "models----b", "models--a--", "models--x$(touch)", "models--a..b",
                          "models--.git", "version.txt", "models--a/b", "models--ok.git"}) {
    EXPECT_EQ(RepoFromCacheDir(dir), std::nullopt) << dir;
  }
}

TEST(CacheListing, ReadsAScanOfTwoModels) {
  auto scan = ParseCacheScan({
      "path /home/spark/.cache/huggingface/hub",
      "free 3200000000000",
      "model models--Qwen--Qwen3-30B-A3B 61064245120 1795996800 "
      "ad44e777bcd18fa416d9da3bd8f70d33ebb85d39 0",
      "model models--gpt2 548118077 1700000000 - 2",
  });
  ASSERT_TRUE(scan.ok()) << scan.status().message();
  EXPECT_EQ(scan->path, "/home/spark/.cache/huggingface/hub");
  EXPECT_EQ(scan->free_bytes, 3200000000000u);
  ASSERT_EQ(scan->models.size(), 2u);
  const CachedModel& qwen = scan->models[0];
  EXPECT_EQ(qwen.hf_repo, "Qwen/Qwen3-30B-A3B");
  EXPECT_EQ(qwen.revision, "ad44e777bcd18fa416d9da3bd8f70d33ebb85d39");
  EXPECT_EQ(qwen.size_bytes, 61064245120u);
  EXPECT_EQ(qwen.modified, WallTime(std::chrono::seconds(1795996800)));
  EXPECT_TRUE(qwen.complete);
  EXPECT_EQ(scan->models[1].hf_repo, "gpt2");
  EXPECT_EQ(scan->models[1].revision, "");
  EXPECT_FALSE(scan->models[1].complete);
}

TEST(CacheListing, AnEmptyCacheHasAPathAndNoModels) {
  auto scan = ParseCacheScan({"path /data/hf/hub"});
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->free_bytes, std::nullopt);
  EXPECT_TRUE(scan->models.empty());
}

TEST(CacheListing, SkipsModelLinesItCannotRead) {
  auto scan = ParseCacheScan({
      "du: cannot access 'models--x/blobs': Permission denied",
      "model models--a--ok 1 2 main 0",
      "model models--a--ok 5 5 main 0",                 // the same repo again
      "model datasets--a--b 1 2 main 0",                // not a model
      "model models--a--b 1 2 main",                    // a word short
      "model models--a--b 1 2 main 0 extra",            // a word long
      "model models--a--b -1 2 main 0",                 // no size
      "model models--a--b 1 99999999999999 main 0",     // past year 2255
      "model models--a--b 1 2 main x",                  // no count
      "model models--$(reboot)--b 1 2 main 0",          // no valid repo
      "model models--a--c 1 2 $(touch${IFS}/tmp/p) 0",  // a revision that is no safe word
      "path /h/hub",
  });
  ASSERT_TRUE(scan.ok()) << scan.status().message();
  ASSERT_EQ(scan->models.size(), 2u);
  EXPECT_EQ(scan->models[0].hf_repo, "a/ok");
  EXPECT_EQ(scan->models[0].size_bytes, 1u);
  EXPECT_EQ(scan->models[1].hf_repo, "a/c");
  EXPECT_EQ(scan->models[1].revision, "");
}

TEST(CacheListing, NeedsAnAbsolutePath) {
  for (const Lines& lines :
       {Lines{}, Lines{"free 10", "model models--a 1 2 - 0"}, Lines{"path relative/hub"},
        Lines{"path "}, Lines{"path"}, Lines{"path /a\x1b[31m/hub"}}) {
    auto scan = ParseCacheScan(lines);
    ASSERT_FALSE(scan.ok()) << (lines.empty() ? "" : lines[0]);
    EXPECT_EQ(scan.status().code(), ErrorCode::kRemoteCommandFailed);
  }
  auto scan = ParseCacheScan({"path /first/hub", "path /second/hub"});
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->path, "/first/hub");
}

TEST(CacheListing, KeepsAtMostAThousandModels) {
  Lines lines = {"path /h/hub"};
  for (int i = 0; i < 1500; ++i) {
    lines.push_back("model models--org--m" + std::to_string(i) + " 1 2 - 0");
  }
  auto scan = ParseCacheScan(lines);
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->models.size(), kMaxCachedModels);
  EXPECT_EQ(scan->models.back().hf_repo, "org/m999");
}

TEST(CacheListing, ReadsTheSpaceCheck) {
  const CacheSpace space =
      ParseCacheSpace({"free 3100000000000", "have 0", "memtotal 128000000000", "free 1"});
  EXPECT_EQ(space.free_bytes, 3100000000000u);
  EXPECT_EQ(space.have_bytes, 0u);
  EXPECT_EQ(space.mem_total, 128000000000u);
  const CacheSpace broken = ParseCacheSpace({"df: /x: No such file", "free -", "have 12 GB"});
  EXPECT_EQ(broken.free_bytes, std::nullopt);
  EXPECT_EQ(broken.have_bytes, std::nullopt);
  EXPECT_EQ(broken.mem_total, std::nullopt);
}

}  // namespace
}  // namespace spark
