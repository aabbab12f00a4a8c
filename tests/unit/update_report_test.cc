// The update parsers against output recorded from the real check line (git 2.39 on Debian 12,
// tests/testdata/update/check-*.txt) and the image lines in the shape docker prints them, plus
// garbage, truncation and hostile text.
#include "controller/update_report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "exporter/time_format.h"

namespace spark {
namespace {

std::string Recorded(const std::string& name) {
  std::ifstream in(std::string(SPARK_SOURCE_DIR) + "/tests/testdata/update/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CheckoutReport ParsedOk(const std::string& out) {
  auto report = ParseCheckoutReport(out);
  EXPECT_TRUE(report.ok()) << report.status().message() << "\n" << out;
  return report.ok() ? *report : CheckoutReport{};
}

constexpr const char* kLocal = "392c2af478a65b3686b874aef5e727bd969fd4ff";
constexpr const char* kUpstream = "6d2cd8f2d913e287e896a77b61727cc7f5925cf7";
constexpr const char* kEnd = "spark-control-update-check-end\n";

TEST(UpdateReport, AnEvenCheckoutIsOk) {
  const CheckoutReport report = ParsedOk(Recorded("check-ok.txt"));
  EXPECT_TRUE(report.fetched);
  EXPECT_EQ(report.fetch_error, "");
  EXPECT_EQ(report.branch, "main");
  EXPECT_EQ(report.local, kLocal);
  EXPECT_EQ(report.upstream_ref, "origin/main");
  EXPECT_EQ(report.upstream, kLocal);
  EXPECT_EQ(report.dirty, 0);
  EXPECT_EQ(report.behind, 0);
  EXPECT_EQ(report.ahead, 0);
  EXPECT_TRUE(report.commits.empty());
  EXPECT_EQ(CheckoutState(report), "ok");
}

TEST(UpdateReport, BehindListsTheCommitsNewestFirst) {
  const CheckoutReport report = ParsedOk(Recorded("check-behind.txt"));
  EXPECT_EQ(report.upstream, kUpstream);
  EXPECT_EQ(report.behind, 3);
  ASSERT_EQ(report.commits.size(), 3u);
  EXPECT_EQ(report.commits[0].sha, kUpstream);
  EXPECT_EQ(report.commits[0].date, "2026-11-30T21:14:02-05:00");
  EXPECT_EQ(report.commits[0].subject, "build-and-copy.sh: build vLLM from the nightly wheel");
  EXPECT_EQ(report.commits[2].subject, "Add recipe for Qwen3-Next-80B-A3B (FP8)");
  EXPECT_EQ(CheckoutState(report), "behind");
}

TEST(UpdateReport, LocalChangesAreDirtyEvenWhenBehind) {
  const CheckoutReport report = ParsedOk(Recorded("check-dirty.txt"));
  EXPECT_EQ(report.dirty, 1);
  EXPECT_EQ(report.behind, 3);
  EXPECT_EQ(CheckoutState(report), "dirty");
}

TEST(UpdateReport, ADetachedHeadHasNoBranchNorUpstream) {
  const CheckoutReport report = ParsedOk(Recorded("check-detached.txt"));
  EXPECT_FALSE(report.branch);
  EXPECT_EQ(report.local, kLocal);
  EXPECT_FALSE(report.upstream_ref);
  EXPECT_FALSE(report.upstream);
  EXPECT_FALSE(report.behind);
  EXPECT_EQ(CheckoutState(report), "detached");
}

TEST(UpdateReport, ABranchWithoutUpstreamIsUnknownNeverZeroBehind) {
  const CheckoutReport report = ParsedOk(Recorded("check-no-upstream.txt"));
  EXPECT_EQ(report.branch, "experiment");
  EXPECT_FALSE(report.upstream);
  EXPECT_FALSE(report.behind);
  EXPECT_FALSE(report.ahead);
  EXPECT_EQ(CheckoutState(report), "unknown");
}

// No checkout at all, and a fetch that failed: the reason is kept, and what the last good
// fetch brought is still compared.
TEST(UpdateReport, AFailedFetchKeepsItsReason) {
  struct Case {
    const char* file;
    const char* error;
    std::optional<int> behind;
    const char* state;
  };
  for (const Case& c : {
           Case{"check-not-checkout.txt",
                "/home/dgx/spark-vllm-docker is not a git checkout (fatal: not a git repository "
                "(or any of the parent directories): .git)",
                std::nullopt, "unknown"},
           Case{"check-fetch-failed.txt",
                "fatal: unable to access 'https://github.com/eugr/spark-vllm-docker.git/': Failed "
                "to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
                3, "behind"},
       }) {
    const CheckoutReport report = ParsedOk(Recorded(c.file));
    EXPECT_FALSE(report.fetched) << c.file;
    EXPECT_EQ(report.fetch_error, c.error);
    EXPECT_EQ(report.behind, c.behind) << c.file;
    EXPECT_EQ(report.local.has_value(), c.behind.has_value()) << c.file;
    EXPECT_EQ(CheckoutState(report), c.state) << c.file;
  }
  EXPECT_EQ(ParsedOk(std::string("fetch failed\n") + kEnd).fetch_error, "git fetch failed");
}

TEST(UpdateReport, TruncatedOutputIsAnError) {
  const std::string full = Recorded("check-behind.txt");
  for (size_t cut : {size_t{0}, size_t{9}, full.find("commit "), full.size() - 10}) {
    const auto report = ParseCheckoutReport(full.substr(0, cut));
    ASSERT_FALSE(report.ok()) << cut;
    EXPECT_EQ(report.status().code(), ErrorCode::kInvalidField);
    EXPECT_EQ(report.status().field(), "checkout");
  }
}

TEST(UpdateReport, GarbageInAKnownLineIsAnError) {
  const std::string sha(40, 'a');
  for (const std::string& line : std::vector<std::string>{
           "fetch maybe", "local zzz", "local " + std::string(39, 'a'), "local " + sha + "A",
           "local " + std::string(40, 'A'), "branch two words", "upstream origin/main",
           "upstream origin/main xyz", "dirty many", "dirty 1e3", "behind -3", "behind 99999999999",
           "ahead 12345678901234567890123", "commit " + sha, "commit " + sha + " yesterday fix",
           "commit " + sha + " 2026-11-30 fix", "commit nothex 2026-11-30T10:00:00Z fix"}) {
    const auto report = ParseCheckoutReport(line + "\n" + kEnd);
    ASSERT_FALSE(report.ok()) << line;
    EXPECT_EQ(report.status().code(), ErrorCode::kInvalidField) << line;
  }
}

TEST(UpdateReport, AFailedGitStatusIsAFailedCheckNotAClean) {
  const auto report = ParseCheckoutReport(std::string("local ") + kLocal + "\ndirty -\n" + kEnd);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), ErrorCode::kRemoteCommandFailed);
}

TEST(UpdateReport, UnknownLinesCrLfAndSha256AreTolerated) {
  const std::string sha256(64, 'b');
  const CheckoutReport report =
      ParsedOk("Welcome to DGX OS\r\nfetch ok\r\nstash 2\r\nbranch main\r\nlocal " + sha256 +
               "\r\nupstream origin/main " + sha256 + "\r\ndirty 0\r\nbehind 0\r\nahead 0\r\n" +
               kEnd + "after the end\n");
  EXPECT_EQ(report.local, sha256);
  EXPECT_EQ(CheckoutState(report), "ok");
  EXPECT_EQ(ParseCheckoutReport(std::string("behind -\n") + kEnd)->behind, std::nullopt);
}

TEST(UpdateReport, SubjectsAreCleanedCutAndAtMost20) {
  const std::string sha(40, 'c');
  std::string out =
      "commit " + sha + " 2026-11-30T10:00:00Z tab\there\x1b[31m red\x7f \xff\xfe ok\n";
  out += "commit " + sha + " 2026-11-30T10:00:00Z \n";  // an empty subject
  std::string long_subject = "a";
  for (int i = 0; i < 120; ++i) long_subject += "€";  // 3 bytes each: byte 200 is mid-character
  out += "commit " + sha + " 2026-11-30T10:00:00+01:00 " + long_subject + "\n";
  for (int i = 0; i < 30; ++i) out += "commit " + sha + " 2026-11-30T10:00:00Z n" + "\n";
  const CheckoutReport report = ParsedOk(out + kEnd);
  ASSERT_EQ(report.commits.size(), kMaxUpstreamCommits);
  EXPECT_EQ(report.commits[0].subject, "tabhere[31m red \xEF\xBF\xBD\xEF\xBF\xBD ok");
  EXPECT_EQ(report.commits[1].subject, "");
  EXPECT_EQ(report.commits[2].subject.size(), 199u);
  EXPECT_TRUE(long_subject.starts_with(report.commits[2].subject));
}

TEST(UpdateReport, StateFollowsTheDesignsOrder) {
  CheckoutReport report;
  EXPECT_EQ(CheckoutState(report), "unknown");  // no local
  report.local = kLocal;
  EXPECT_EQ(CheckoutState(report), "detached");
  report.branch = "main";
  EXPECT_EQ(CheckoutState(report), "unknown");  // no upstream
  report.upstream_ref = "origin/main";
  report.upstream = kUpstream;
  EXPECT_EQ(CheckoutState(report), "unknown");  // no behind count
  report.behind = 0;
  EXPECT_EQ(CheckoutState(report), "ok");
  report.behind = 2;
  EXPECT_EQ(CheckoutState(report), "behind");
  report.ahead = 1;
  EXPECT_EQ(CheckoutState(report), "dirty");
  report.ahead = 0;
  report.dirty = 4;
  EXPECT_EQ(CheckoutState(report), "dirty");
}

TEST(ImageReport, BothTagsAsDockerPrintsThem) {
  const auto images = ParseImageReport(Recorded("images.txt"));
  ASSERT_TRUE(images.ok()) << images.status().message();
  ASSERT_EQ(images->size(), 2u);
  const auto& launch = images->at("vllm-node");
  ASSERT_TRUE(launch);
  EXPECT_EQ(launch->id, "sha256:5b1f0e6f3c7a2d94e8b0a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2");
  EXPECT_EQ(launch->created, "2026-11-30T21:52:17.482913265Z");
  ASSERT_TRUE(images->at("vllm-node:previous"));
  EXPECT_EQ(images->at("vllm-node:previous")->created, "2026-11-23T09:12:44.10734581+01:00");
}

TEST(ImageReport, AbsentTagsAreNulloptAndTheLaterLineWins) {
  const std::string id = "sha256:" + std::string(64, 'e');
  const auto images = ParseImageReport("image vllm-node " + id +
                                       " 2026-11-30T10:00:00Z\nnoise\r\nimage vllm-node -\r\n"
                                       "image vllm-node:previous -\n");
  ASSERT_TRUE(images.ok());
  EXPECT_EQ(images->size(), 2u);
  EXPECT_FALSE(images->at("vllm-node"));
  EXPECT_FALSE(images->at("vllm-node:previous"));
  EXPECT_TRUE(ParseImageReport("")->empty());
}

TEST(ImageReport, GarbageImageLinesAreErrors) {
  const std::string id = "sha256:" + std::string(64, 'e');
  for (const std::string& line : std::vector<std::string>{
           "image vllm-node", "image vllm-node " + id,
           "image vllm-node sha256:xyz 2026-11-30T10:00:00Z",
           "image vllm-node sha256:" + std::string(40, 'e') + " 2026-11-30T10:00:00Z",
           "image vllm-node " + std::string(64, 'e') + " 2026-11-30T10:00:00Z",
           "image vllm-node " + id + " 2026-11-30T10:00:00Z extra",
           "image vllm-node " + id + " <b>", "image vllm-node -x"}) {
    const auto images = ParseImageReport(line + "\n");
    ASSERT_FALSE(images.ok()) << line;
    EXPECT_EQ(images.status().field(), "image") << line;
  }
}

TEST(DockerTime, NanosecondsAndOffsetsAreRead) {
  const auto utc = ParseDockerTime("2026-11-30T10:00:00.123456789Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(FormatRfc3339(*utc), "2026-11-30T10:00:00.123Z");
  EXPECT_EQ(ParseDockerTime("2026-11-30T11:00:00.123+01:00"), utc);
  EXPECT_EQ(ParseDockerTime("2026-11-30T04:30:00.123-05:30"), utc);
  EXPECT_EQ(FormatRfc3339(*ParseDockerTime("2026-12-01T00:30:00+01:00")),
            "2026-11-30T23:30:00.000Z");
}

TEST(DockerTime, AnythingElseIsNothing) {
  for (const char* text :
       {"", "2026-11-30", "2026-11-30 10:00:00Z", "2026-11-30T10:00:00", "2026-11-30T10:00:00.Z",
        "2026-11-30T10:00:00+1:00", "2026-11-30T10:00:00+01:60", "2026-11-30T10:00:00+24:00",
        "2026-11-30T10:00:00ZZ", "2026-02-30T10:00:00Z", "0001-01-01T00:00:00Z",
        "2026-11-30T10:00:00+01:00junk"}) {
    EXPECT_FALSE(ParseDockerTime(text)) << text;
  }
}

}  // namespace
}  // namespace spark
