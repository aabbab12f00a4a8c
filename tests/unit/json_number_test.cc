// The one range rule for JSON numbers (exporter/json_number.h) that the config schema, the
// catalog's overrides and the diarization body all use.
#include "exporter/json_number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace spark {
namespace {

using json = nlohmann::json;

TEST(JsonNumber, IntegerInRangeTakesTheBoundsAndRefusesBeyond) {
  EXPECT_EQ(IntegerInRange(json(1), 1, 65535), 1);
  EXPECT_EQ(IntegerInRange(json(65535), 1, 65535), 65535);
  EXPECT_EQ(IntegerInRange(json(0), 1, 65535), std::nullopt);
  EXPECT_EQ(IntegerInRange(json(65536), 1, 65535), std::nullopt);
  EXPECT_EQ(IntegerInRange(json(-5), -10, 10), -5);
}

TEST(JsonNumber, IntegerInRangeRefusesWhatIsNotAnInteger) {
  EXPECT_EQ(IntegerInRange(json(8.0), 1, 100), std::nullopt);
  EXPECT_EQ(IntegerInRange(json("8"), 1, 100), std::nullopt);
  EXPECT_EQ(IntegerInRange(json(true), 0, 100), std::nullopt);
  EXPECT_EQ(IntegerInRange(json(nullptr), 0, 100), std::nullopt);
}

// An unsigned above long long's range must not wrap round into a small negative number.
TEST(JsonNumber, IntegerInRangeRefusesAnUnsignedBeyondLongLong) {
  const json huge = std::numeric_limits<unsigned long long>::max();
  EXPECT_EQ(IntegerInRange(huge, std::numeric_limits<long long>::min(),
                           std::numeric_limits<long long>::max()),
            std::nullopt);
  const json top = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
  EXPECT_EQ(IntegerInRange(top, 0, std::numeric_limits<long long>::max()),
            std::numeric_limits<long long>::max());
}

TEST(JsonNumber, NumberInRangeTakesIntegersAndFloatsWithinTheBounds) {
  EXPECT_EQ(NumberInRange(json(0.05), 0.05, 0.98), 0.05);
  EXPECT_EQ(NumberInRange(json(0.98), 0.05, 0.98), 0.98);
  EXPECT_EQ(NumberInRange(json(10), 10, 86400), 10.0);
  EXPECT_EQ(NumberInRange(json(0.049), 0.05, 0.98), std::nullopt);
  EXPECT_EQ(NumberInRange(json(90), 0.05, 0.98), std::nullopt);
}

TEST(JsonNumber, NumberInRangeRefusesNonNumbersAndNonFiniteValues) {
  EXPECT_EQ(NumberInRange(json("0.5"), 0, 1), std::nullopt);
  EXPECT_EQ(NumberInRange(json(false), 0, 1), std::nullopt);
  EXPECT_EQ(NumberInRange(json(nullptr), 0, 1), std::nullopt);
  EXPECT_EQ(NumberInRange(json(std::nan("")), -1e300, 1e300), std::nullopt);
  EXPECT_EQ(NumberInRange(json(HUGE_VAL), 0, HUGE_VAL), std::nullopt);
  EXPECT_EQ(NumberInRange(json(-HUGE_VAL), -HUGE_VAL, 0), std::nullopt);
}

}  // namespace
}  // namespace spark
