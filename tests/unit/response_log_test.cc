// The response recorder of the integration tests (support/response_log.h): what it writes for a
// JSON response and for SSE frames, what it skips, its size limit, and whole lines under
// concurrent writers.
#include "support/response_log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "support/process.h"
#include "support/text_file.h"

namespace spark::test {
namespace {

using nlohmann::json;

std::vector<json> RecordedLines(const std::filesystem::path& file) {
  std::vector<json> lines;
  std::istringstream text(ReadText(file));
  for (std::string line; std::getline(text, line);) lines.push_back(json::parse(line));
  return lines;
}

TEST(ResponseLog, RecordsAJsonBodyAndOnlyTheTypeOfAnyOtherWithPathsWithoutQuery) {
  const TempDir dir;
  {
    ResponseLog log((dir / "r.jsonl").string());
    log.RecordResponse("PUT", "http://127.0.0.1:9/api/config?x=1", 400,
                       "application/json; charset=utf-8", R"({"error":{}})");
    log.RecordResponse("GET", "http://127.0.0.1:9/metrics", 200, "text/plain", "up 1\n");
    log.RecordResponse("DELETE", "http://127.0.0.1:9/api/models/m", 204, "", "");
    log.RecordResponse("GET", "http://127.0.0.1:1/api/status", 0, "", "");  // no answer
  }
  const auto lines = RecordedLines(dir / "r.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], (json{{"method", "PUT"},
                            {"path", "/api/config"},
                            {"status", 400},
                            {"body", R"({"error":{}})"}}));
  EXPECT_EQ(lines[1], (json{{"method", "GET"},
                            {"path", "/metrics"},
                            {"status", 200},
                            {"content_type", "text/plain"}}));
  EXPECT_EQ(lines[2]["content_type"], "");
}

TEST(ResponseLog, RecordsEachCompleteSseFrameAndSkipsComments) {
  const TempDir dir;
  {
    ResponseLog log((dir / "r.jsonl").string());
    log.RecordStream("http://h:1/api/jobs/j1/log?after=2", 200,
                     ": ping\n\nevent: line\nid: 3\ndata: {\"seq\":3}\n\n"
                     "data: {\"a\":\ndata: 1}\n\nevent: end\ndata: {\"cut");
  }
  const auto lines = RecordedLines(dir / "r.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], (json{{"method", "GET"},
                            {"path", "/api/jobs/j1/log"},
                            {"status", 200},
                            {"event", "line"},
                            {"data", R"({"seq":3})"}}));
  EXPECT_EQ(lines[1]["event"], "message");
  EXPECT_EQ(lines[1]["data"], "{\"a\":\n1}");
}

TEST(ResponseLog, StopsAtItsLimitWithOneTruncatedMark) {
  const TempDir dir;
  {
    ResponseLog log((dir / "r.jsonl").string(), 200);
    for (int i = 0; i < 10; ++i) {
      log.RecordResponse("GET", "http://h/api/status", 200, "application/json", "{}");
    }
  }
  const auto lines = RecordedLines(dir / "r.jsonl");
  ASSERT_GE(lines.size(), 2u);
  ASSERT_LT(lines.size(), 10u);
  EXPECT_EQ(lines.back(), (json{{"truncated", true}}));
  for (size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i]["path"], "/api/status");
}

TEST(ResponseLog, ConcurrentWritersLeaveWholeLines) {
  const TempDir dir;
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  {
    ResponseLog log((dir / "r.jsonl").string());
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&log, t] {
        for (int i = 0; i < kEach; ++i) {
          log.RecordResponse("GET", "http://h/api/jobs/" + std::to_string(t), 200,
                             "application/json", std::string(100 + i, 'x'));
        }
      });
    }
    for (auto& writer : writers) writer.join();
  }
  EXPECT_EQ(RecordedLines(dir / "r.jsonl").size(), size_t{kThreads * kEach});
}

TEST(ResponseLog, RequestPathDropsSchemeAuthorityQueryAndFragment) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://127.0.0.1:8080/api/jobs/a?after=1", "/api/jobs/a"},
      {"http://127.0.0.1:8080", "/"},
      {"http://h/#top", "/"},
      {"/api/status", "/api/status"}};
  for (const auto& [url, path] : cases) EXPECT_EQ(RequestPath(url), path) << url;
}

TEST(ResponseLog, JsonContentTypes) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType(" Application/JSON ; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("application/problem+json"));
  EXPECT_FALSE(IsJsonContentType("text/event-stream"));
  EXPECT_FALSE(IsJsonContentType("application/yaml"));
  EXPECT_FALSE(IsJsonContentType(""));
}

}  // namespace
}  // namespace spark::test
