// The audit log's rules: which requests are audited, how a token is classified, the record's
// JSON, and a size bound that holds however many mutations arrive.
#include "web/audit_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace spark {
namespace {

namespace fs = std::filesystem;

Request MakeRequest(std::string method, std::string authorization = {}) {
  Request r;
  r.method = std::move(method);
  r.path = "/api/models/qwen36";
  r.client = "10.0.0.7";
  r.params["id"] = "qwen36";
  if (!authorization.empty()) r.headers.emplace_back("Authorization", authorization);
  return r;
}

TEST(AuditRules, MutationsAndRefusedReportsAreAuditedReadsAndAcceptedReportsAreNot) {
  Route mutation{"DELETE", "/api/models/{id}", Access::kMutation, {}, {}, {}};
  Route report{"POST", "/api/health-event", Access::kReport, {}, {}, {}};
  EXPECT_TRUE(IsAudited(MakeRequest("DELETE"), &mutation, 204));
  EXPECT_TRUE(IsAudited(MakeRequest("DELETE"), &mutation, 401));
  EXPECT_TRUE(IsAudited(MakeRequest("POST"), nullptr, 404));  // no route matched
  EXPECT_FALSE(IsAudited(MakeRequest("GET"), nullptr, 200));
  EXPECT_FALSE(IsAudited(MakeRequest("HEAD"), nullptr, 200));
  EXPECT_FALSE(IsAudited(MakeRequest("POST"), &report, 202));
  EXPECT_FALSE(IsAudited(MakeRequest("POST"), &report, 429));
  EXPECT_FALSE(IsAudited(MakeRequest("POST"), &report, 400));
  EXPECT_TRUE(IsAudited(MakeRequest("POST"), &report, 401));
  EXPECT_TRUE(IsAudited(MakeRequest("POST"), &report, 403));
}

TEST(AuditRules, TokenKinds) {
  Config config;
  config.auth.token = "admin-secret";
  config.auth.report_token = "report-secret";
  EXPECT_EQ(TokenKind(MakeRequest("PUT"), config), "none");
  EXPECT_EQ(TokenKind(MakeRequest("PUT", "Bearer admin-secret"), config), "admin");
  EXPECT_EQ(TokenKind(MakeRequest("PUT", "bearer report-secret"), config), "report");
  EXPECT_EQ(TokenKind(MakeRequest("PUT", "Bearer admin-secret2"), config), "wrong");
  EXPECT_EQ(TokenKind(MakeRequest("PUT", "Basic YWRtaW4="), config), "none");
  EXPECT_EQ(TokenKind(MakeRequest("PUT", "Bearer anything"), Config{}), "wrong");
}

TEST(AuditRules, TheRecordNamesRouteTargetTokenClientAndStatus) {
  Config config;
  Route route{"DELETE", "/api/models/{id}", Access::kMutation, {}, {}, {}};
  const auto record = MakeAuditRecord(MakeRequest("DELETE"), &route, 409, config,
                                      WallTime(std::chrono::milliseconds(1795528800123)));
  const auto line = nlohmann::json::parse(EncodeAuditRecord(record));
  EXPECT_EQ(line, nlohmann::json::parse(R"({"ts":"2026-11-24T14:00:00.123Z","method":"DELETE",
      "path":"/api/models/qwen36","route":"DELETE /api/models/{id}","target":{"id":"qwen36"},
      "token":"none","client":"10.0.0.7","status":409})"));
}

TEST(AuditLogFile, RotatesBySizeAndStaysBounded) {
  test::TempDir dir;
  AuditLog log({dir.path(), /*max_file_bytes=*/2000, /*keep_rotated=*/2});
  Config config;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(log.Append(MakeAuditRecord(MakeRequest("PUT"), nullptr, 200, config, {})).ok());
  }
  uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    total += fs::file_size(entry.path());
    EXPECT_LE(fs::file_size(entry.path()), 2000u) << entry.path();
  }
  EXPECT_TRUE(fs::exists(dir / "audit.2.jsonl"));
  EXPECT_FALSE(fs::exists(dir / "audit.3.jsonl"));
  EXPECT_LE(total, 6000u);
  EXPECT_EQ(log.failures(), 0u);
  EXPECT_FALSE(log.Warning().has_value());
}

TEST(AuditLogFile, AFailedAppendIsCountedAndWarnedUntilItWorksAgain) {
  test::TempDir dir;
  fs::create_directories(dir / "audit.jsonl");
  AuditLog log({dir.path()});
  const Config config;
  EXPECT_FALSE(log.Append(MakeAuditRecord(MakeRequest("PUT"), nullptr, 200, config, {})).ok());
  EXPECT_FALSE(log.Append(MakeAuditRecord(MakeRequest("PUT"), nullptr, 200, config, {})).ok());
  EXPECT_EQ(log.failures(), 2u);
  ASSERT_TRUE(log.Warning().has_value());
  EXPECT_NE(log.Warning()->find("2 records lost"), std::string::npos) << *log.Warning();
  fs::remove(dir / "audit.jsonl");
  EXPECT_TRUE(log.Append(MakeAuditRecord(MakeRequest("PUT"), nullptr, 200, config, {})).ok());
  EXPECT_FALSE(log.Warning().has_value());
}

}  // namespace
}  // namespace spark
