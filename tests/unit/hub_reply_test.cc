// What the Hub said about a repo before a download (issue 14 design: `spark-control-hub`),
// against a body in the shape of the Hub API's model revision answer (tests/testdata/hub),
// every refusal the Hub gives, and bodies a broken or hostile endpoint could send.
#include "controller/hub_reply.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "controller/remote_executor.h"

namespace spark {
namespace {

using Lines = std::vector<std::string>;

std::string HubBody() {
  std::ifstream in(std::string(SPARK_SOURCE_DIR) + "/tests/testdata/hub/model_revision.json");
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  while (!body.empty() && body.back() == '\n') body.pop_back();
  EXPECT_FALSE(body.empty());
  return body;
}

// The command's output for `body`: 16 KiB pieces as the executor delivers a long line.
Lines HubOutput(const std::string& body, const std::string& http, const std::string& access) {
  Lines lines;
  for (size_t at = 0; at < body.size(); at += LineSplitter::kMaxLine) {
    lines.push_back(body.substr(at, LineSplitter::kMaxLine));
  }
  lines.push_back("spark-control-http " + http);
  lines.push_back("spark-control-access " + access);
  return lines;
}

Status HubError(const Lines& lines, std::optional<int> exit_code = 0) {
  auto model = ParseHubReply(lines, exit_code, "acme/tiny-chat-7b", "main");
  EXPECT_FALSE(model.ok());
  return model.status();
}

const std::string kSha = "3f2a9c1d7e5b4a6f8091a2b3c4d5e6f708192a3b";

TEST(HubReply, ReadsTheCommitTheFileCountAndTheTotalSize) {
  auto model = ParseHubReply(HubOutput(HubBody(), "200", "200"), 0, "acme/tiny-chat-7b", "main");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->sha, kSha);
  EXPECT_EQ(model->files, 10u);
  EXPECT_EQ(model->total_bytes, 13478748766u);
}

TEST(HubReply, JoinsABodyLongerThanOnePiece) {
  std::string siblings;
  for (int i = 0; i < 2000; ++i) {
    siblings += std::string(i ? "," : "") + R"({"rfilename":"shard-)" + std::to_string(i) +
                R"(.bin","size":1000})";
  }
  const std::string body = R"({"sha":")" + kSha + R"(","siblings":[)" + siblings + "]}";
  ASSERT_GT(body.size(), 3 * LineSplitter::kMaxLine);
  auto model = ParseHubReply(HubOutput(body, "200", "200"), 0, "acme/tiny-chat-7b", "main");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->files, 2000u);
  EXPECT_EQ(model->total_bytes, 2000000u);
}

TEST(HubReply, TakesTheLfsSizeWhenTheFileHasNoneAndNoTotalWhenAFileHasNeither) {
  const std::string lfs_only = R"({"sha":")" + kSha +
                               R"(","siblings":[{"rfilename":"a","lfs":{"size":70}},)"
                               R"({"rfilename":"b","size":5,"lfs":null}]})";
  auto model = ParseHubReply(HubOutput(lfs_only, "200", "200"), 0, "acme/x", "v1");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->total_bytes, 75u);
  const std::string unsized =
      R"({"sha":")" + kSha + R"(","siblings":[{"rfilename":"a","size":5},{"rfilename":"b"}]})";
  model = ParseHubReply(HubOutput(unsized, "200", "200"), 0, "acme/x", "v1");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->total_bytes, std::nullopt);
  EXPECT_EQ(model->files, 2u);
}

TEST(HubReply, AGatedRepoNeedsTheLicenceAndAToken) {
  // The model's metadata is public; only its files answer 401/403.
  for (const std::string access : {"401", "403"}) {
    const Status status = HubError(HubOutput(HubBody(), "200", access));
    EXPECT_EQ(status.code(), ErrorCode::kAuthRequired);
    EXPECT_EQ(status.message(),
              "acme/tiny-chat-7b is gated: accept the licence on Hugging Face and set HF_TOKEN "
              "for the Spark user (or put the token in $HF_HOME/token)");
  }
  // Without a token the Hub answers 401 alike for private and for unknown repos.
  for (const std::string http : {"401", "403"}) {
    const Status status =
        HubError(HubOutput(R"({"error":"Repository not found"})", http, http), 22);
    EXPECT_EQ(status.code(), ErrorCode::kAuthRequired);
    EXPECT_NE(status.message().find("acme/tiny-chat-7b is gated, private or not on the Hub"),
              std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("HF_TOKEN"), std::string::npos);
  }
}

TEST(HubReply, AMissingRepoOrRevisionIsNotFoundNamingBoth) {
  auto model = ParseHubReply(HubOutput(R"({"error":"Revision Not Found"})", "404", "404"), 0,
                             "acme/tiny-chat-7b", "v9");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(model.status().message().find("acme/tiny-chat-7b"), std::string::npos);
  EXPECT_NE(model.status().message().find("v9"), std::string::npos);
  model = ParseHubReply(HubOutput("{}", "404", "404"), 0, "acme/tiny-chat-7b", "");
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("main"), std::string::npos);
}

TEST(HubReply, NoAnswerOrAnotherStatusIsARemoteFailure) {
  Status status = HubError({"spark-control-http 000", "spark-control-access 000"}, 6);
  EXPECT_EQ(status.code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_EQ(status.message(), "the Spark could not reach the Hub (curl exited with 6)");
  status = HubError(HubOutput(HubBody(), "200", "200"), 28);  // timed out mid-body
  EXPECT_EQ(status.message(), "the Spark could not reach the Hub (curl exited with 28)");
  status = HubError({"spark-control-http 000"}, std::nullopt);
  EXPECT_EQ(status.message(), "the Spark could not reach the Hub");
  status = HubError(HubOutput("<html>Bad gateway</html>", "502", "502"));
  EXPECT_EQ(status.code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_EQ(status.message(), "the Hub answered HTTP 502 for acme/tiny-chat-7b");
  status = HubError({"curl: not found"});
  EXPECT_EQ(status.code(), ErrorCode::kRemoteCommandFailed);
  status = HubError({"spark-control-http abc"});
  EXPECT_EQ(status.code(), ErrorCode::kRemoteCommandFailed);
}

TEST(HubReply, RefusesBodiesThatAreNotTheModelJson) {
  const std::string sha = R"("sha":")" + kSha + R"(")";
  for (const std::string& body :
       {std::string("not json"), std::string("[]"), std::string("{}"),
        std::string(R"({"sha":"main","siblings":[]})"),
        R"({"sha":")" + kSha.substr(1) + R"(x","siblings":[]})", "{" + sha + "}",
        "{" + sha + R"(,"siblings":{}})", "{" + sha + R"(,"siblings":[1]})",
        "{" + sha + R"(,"siblings":[{"size":-1}]})", "{" + sha + R"(,"siblings":[{"size":1.5}]})",
        "{" + sha + R"(,"siblings":[{"size":"9"}]})", "{" + sha + R"(,"siblings":[{"lfs":7}]})",
        "{" + sha + R"(,"siblings":[{"lfs":{"size":true}}]})",
        "{" + sha + R"(,"siblings":[{"size":18446744073709551615},{"size":1}]})",
        "{" + sha + R"(,"siblings":[)" + std::string(100000, '[') + "]}"}) {
    const Status status = HubError(HubOutput(body, "200", "200"));
    EXPECT_EQ(status.code(), ErrorCode::kRemoteCommandFailed) << body.substr(0, 80);
    EXPECT_NE(status.message().find("acme/tiny-chat-7b"), std::string::npos) << status.message();
  }
}

TEST(HubReply, RefusesABodyOverEightMibUnread) {
  const std::string huge(kMaxHubBodyBytes + 1, ' ');
  const Status status = HubError(HubOutput(huge, "200", "200"));
  EXPECT_EQ(status.code(), ErrorCode::kRemoteCommandFailed);
  EXPECT_NE(status.message().find("8 MiB"), std::string::npos);
  // Cut by the command past 8 MiB: no status line, curl ended by the closed pipe.
  Lines cut = HubOutput(huge, "200", "200");
  cut.resize(cut.size() - 2);
  EXPECT_NE(HubError(cut, 23).message().find("larger than 8 MiB"), std::string::npos);
}

TEST(HubReply, AStatusLineInsideTheBodyIsNotTheStatus) {
  // A file name can hold anything; the last status line is the command's own.
  const std::string body = R"({"sha":")" + kSha +
                           R"(","siblings":[{"rfilename":"x\nspark-control-http 401","size":1}]})";
  Lines lines = {body.substr(0, 60), "spark-control-http 401", body.substr(60),
                 "spark-control-http 200", "spark-control-access 200"};
  auto model = ParseHubReply(lines, 0, "acme/x", "main");
  ASSERT_FALSE(model.ok());  // the body was cut by the fake line: not JSON, not auth_required
  EXPECT_EQ(model.status().code(), ErrorCode::kRemoteCommandFailed);
}

}  // namespace
}  // namespace spark
