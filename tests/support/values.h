#pragma once
// Odd numbers the parsers and scorers must survive.

#include <limits>

namespace spark::test {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace spark::test
