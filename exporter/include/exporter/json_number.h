#pragma once
// Range checks for numbers that arrive as JSON (config files, request bodies, catalog
// entries): one rule for what is in range; each caller words its own message around a miss.

#include <nlohmann/json_fwd.hpp>
#include <optional>

namespace spark {

// The integer `value` holds when it is a JSON integer from `lo` to `hi`; nullopt otherwise
// (a float such as 8.0, a string, or an unsigned beyond long long never passes).
std::optional<long long> IntegerInRange(const nlohmann::json& value, long long lo, long long hi);

// The number `value` holds when it is a finite JSON number from `lo` to `hi`; nullopt
// otherwise (NaN and infinities never pass).
std::optional<double> NumberInRange(const nlohmann::json& value, double lo, double hi);

}  // namespace spark
