// The 64-level nesting rule for request bodies: counted in one pass, strings and escapes
// respected, enforced by ParseJsonBody before anything recursive runs.
#include "exporter/json_depth.h"

#include <gtest/gtest.h>

#include "web/json_api.h"

namespace spark {
namespace {

TEST(JsonDepth, CountsBracketsOutsideStringsOnly) {
  EXPECT_FALSE(NestedDeeperThan(std::string(64, '[') + std::string(64, ']'), 64));
  EXPECT_TRUE(NestedDeeperThan(std::string(65, '['), 64));
  EXPECT_TRUE(NestedDeeperThan("{\"a\":" + std::string(64, '['), 64));
  EXPECT_FALSE(NestedDeeperThan("{\"a\":\"" + std::string(5000, '[') + "\"}", 64));
  EXPECT_FALSE(NestedDeeperThan(R"({"a":"\"[[[[","b":[]})", 3));
  EXPECT_TRUE(NestedDeeperThan(R"({"a":"\\",)" + std::string(4, '['), 4));
  EXPECT_FALSE(NestedDeeperThan("[]]]]][", 1));  // stray closers never go below zero

  Request request;
  request.body = "{\"cluster\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  const auto parsed = ParseJsonBody(request);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidJson);
  EXPECT_NE(parsed.status().message().find("64"), std::string::npos);
  request.body = "{\"cluster\":" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_TRUE(ParseJsonBody(request).ok());
}

}  // namespace
}  // namespace spark
