// GET /api/openapi.yaml on the real binary: docs/openapi.yaml of the build, byte for byte, as
// application/yaml, and a read like any other (no token even when one is set).
#include <gtest/gtest.h>

#include <filesystem>

#include "support/http.h"
#include "support/process.h"
#include "support/text_file.h"

namespace spark::test {
namespace {

TEST(ApiDocument, TheBinaryServesDocsOpenapiYamlByteForByte) {
  const std::string expected =
      ReadText(std::filesystem::path(SPARK_SOURCE_DIR) / "docs" / "openapi.yaml");
  ASSERT_GT(expected.size(), 1000u);
  TempDir dir;
  SparkControl app({"--data-dir", (dir / "data").string()}, {{"SPARK_CONTROL_TOKEN", "secret"}});
  const Reply reply = Get(app.url() + "/api/openapi.yaml");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers.at("content-type"), "application/yaml");
  // Not EXPECT_EQ: a mismatch would print 40 KB twice.
  EXPECT_TRUE(reply.body == expected)
      << "served " << reply.body.size() << " bytes, docs/openapi.yaml has " << expected.size();
}

}  // namespace
}  // namespace spark::test
