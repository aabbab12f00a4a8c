// RFC 3339 timestamps read back from jobs.jsonl and events.jsonl (found by the jobs_line fuzz
// target: a year past 2262 overflowed WallTime's nanoseconds, undefined behaviour).
#include "exporter/time_format.h"

#include <gtest/gtest.h>

namespace spark {
namespace {

TEST(TimeFormatTest, FormatsAndParsesBack) {
  const auto t = ParseRfc3339("2026-11-24T12:00:00.123Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-24T12:00:00.123Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-11-24T12:00:00Z")), "2026-11-24T12:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2024-02-29T23:59:59.123456Z")),
            "2024-02-29T23:59:59.123Z");
}

TEST(TimeFormatTest, RefusesYearsWallTimeCannotHold) {
  EXPECT_FALSE(ParseRfc3339("4052-11-24T12:05:00.000Z").has_value());
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59.999Z").has_value());
  EXPECT_FALSE(ParseRfc3339("0001-01-01T00:00:00Z").has_value());
  EXPECT_TRUE(ParseRfc3339("1678-01-01T00:00:00Z").has_value());
  EXPECT_TRUE(ParseRfc3339("2261-12-31T23:59:59.999Z").has_value());
}

TEST(TimeFormatTest, RefusesWhatIsNotExactlyTheFormat) {
  for (const char* text : {"2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-24T24:00:00Z",
                           "2026-11-24T12:60:00Z", "2026-11-24T12:00:61Z", "2026-1-24T12:00:00Z",
                           "2026- 1-24T12:00:00Z", "2026-+1-24T12:00:00Z", "-026-11-24T12:00:00Z",
                           "2026-11-24T12:00:00.Z", "2026-11-24T12:00:00.123",
                           "2026-11-24T12:00:00.123Z ", "2026-11-24 12:00:00Z", ""}) {
    EXPECT_FALSE(ParseRfc3339(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace spark
