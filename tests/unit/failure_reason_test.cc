#include "exporter/failure_reason.h"

#include <gtest/gtest.h>

namespace spark {
namespace {

TEST(FailureReason, NamesRoundTrip) {
  for (FailureReason reason : kAllFailureReasons) {
    const auto parsed = ParseFailureReason(FailureReasonName(reason));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, reason);
  }
  EXPECT_FALSE(ParseFailureReason("other").has_value());
}

}  // namespace
}  // namespace spark
