#include "exporter/json_number.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace spark {

std::optional<long long> IntegerInRange(const nlohmann::json& value, long long lo, long long hi) {
  if (!value.is_number_integer()) return std::nullopt;
  if (value.is_number_unsigned() &&
      value.get<unsigned long long>() >
          static_cast<unsigned long long>(std::numeric_limits<long long>::max())) {
    return std::nullopt;
  }
  const long long n = value.get<long long>();
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

std::optional<double> NumberInRange(const nlohmann::json& value, double lo, double hi) {
  if (!value.is_number()) return std::nullopt;
  const double n = value.get<double>();
  if (!std::isfinite(n) || n < lo || n > hi) return std::nullopt;
  return n;
}

}  // namespace spark
