// The error-code table: one row per code, unique snake_case wire names, the HTTP statuses of
// API.md's "Errors" table, and nothing but `internal` reaching a 500.
#include "exporter/error_code.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "web/json_api.h"

namespace spark {
namespace {

bool IsSnakeCase(std::string_view name) {
  if (name.empty() || name.front() == '_' || name.back() == '_') return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return name.find("__") == std::string_view::npos;
}

TEST(ErrorCodeTable, EveryCodeHasOneRowAUniqueSnakeCaseNameAndAnErrorStatus) {
  const auto table = ErrorCodeTable();
  ASSERT_EQ(table.size(), static_cast<size_t>(ErrorCode::kInternal) + 1);
  std::set<std::string_view> names;
  for (size_t i = 0; i < table.size(); ++i) {
    const ErrorCodeInfo& row = table[i];
    EXPECT_EQ(static_cast<size_t>(row.code), i) << row.name;
    EXPECT_TRUE(IsSnakeCase(row.name)) << row.name;
    EXPECT_TRUE(names.insert(row.name).second) << row.name << " twice";
    EXPECT_GE(row.http_status, 400) << row.name;
    EXPECT_LE(row.http_status, 504) << row.name;
    EXPECT_EQ(row.http_status == 500, row.code == ErrorCode::kInternal) << row.name;
    EXPECT_EQ(ErrorCodeName(row.code), row.name);
    EXPECT_EQ(HttpStatusOf(row.code), row.http_status);
    EXPECT_EQ(ErrorCodeNamed(row.name), row.code);
  }
  EXPECT_EQ(ErrorCodeNamed("no_such_code"), std::nullopt);
}

TEST(ErrorCodeTable, GivesEveryCodeOfApiMdItsDocumentedStatus) {
  // API.md, "Errors".
  const std::map<std::string, int> documented = {
      {"invalid_json", 400},
      {"missing_field", 400},
      {"invalid_field", 400},
      {"unknown_service", 400},
      {"unknown_model", 400},
      {"unauthorized", 401},
      {"origin_refused", 403},
      {"host_refused", 403},
      {"not_found", 404},
      {"method_not_allowed", 405},
      {"swap_running", 409},
      {"job_running", 409},
      {"pinned", 409},
      {"bundled_model", 409},
      {"conflict", 409},
      {"no_previous_image", 409},
      {"model_in_use", 409},
      {"body_too_large", 413},
      {"unsupported_media_type", 415},
      {"rate_limited", 429},
      {"not_configured", 503},
      {"overloaded", 503},
      {"storage_failed", 503},
      {"ssh_unreachable", 503},
  };
  for (const auto& [name, status] : documented) {
    const auto code = ErrorCodeNamed(name);
    ASSERT_TRUE(code.has_value()) << name << " is missing from the table";
    EXPECT_EQ(HttpStatusOf(*code), status) << name;
  }
}

TEST(ErrorCodeTable, TheErrorWriterUsesTheTable) {
  for (const ErrorCodeInfo& row : ErrorCodeTable()) {
    const Response r = StatusResponse(Status::Error(row.code, "a sentence", "a.field"));
    EXPECT_EQ(r.status, row.http_status) << row.name;
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["error"]["code"], row.name);
    EXPECT_EQ(body["error"]["message"], "a sentence");
    EXPECT_EQ(body["error"]["field"], "a.field");
  }
  // Codes the old string map did not know answered 500; each now has its own status.
  EXPECT_EQ(StatusResponse(Status::Error(ErrorCode::kSshUnreachable, "down")).status, 503);
  EXPECT_EQ(StatusResponse(Status::Error(ErrorCode::kIoError, "disk")).status, 503);
  EXPECT_EQ(StatusResponse(Status::Error(ErrorCode::kTimeout, "slow")).status, 504);
  // No field: no "field" member.
  EXPECT_FALSE(
      nlohmann::json::parse(ErrorResponse(ErrorCode::kConflict, "x").body)["error"].contains(
          "field"));
}

}  // namespace
}  // namespace spark
