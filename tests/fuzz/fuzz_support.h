#pragma once
// What every libFuzzer target shares: the target signature, a check that aborts with a
// sentence (libFuzzer then keeps the input), and the JSON body parse every route uses.

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "exporter/status.h"
#include "web/http.h"
#include "web/json_api.h"

namespace spark::fuzz {

// A target checks one input; it returns only when every property held.
using Target = void (*)(std::string_view input);

[[noreturn]] inline void Fail(std::string_view what) {
  std::fprintf(stderr, "fuzz property violated: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

inline void Require(bool holds, std::string_view what) {
  if (!holds) Fail(what);
}

// The body exactly as a route sees it: ParseJsonBody (nesting cap, object at the top).
inline Result<nlohmann::json> ParseBody(std::string_view input) {
  Request request;
  request.body = std::string(input);
  auto body = ParseJsonBody(request);
  if (!body.ok()) {
    Require(body.status().code() == ErrorCode::kInvalidJson,
            "a body that does not parse is invalid_json");
  }
  return body;
}

// An error a client can act on: a code, a sentence, and the member at fault among `fields`.
inline void RequireFieldError(const Status& status,
                              std::initializer_list<std::string_view> fields) {
  Require(!status.ok() && !status.message().empty(), "an error has a code and message");
  for (std::string_view field : fields) {
    if (status.field() == field) return;
  }
  Fail("the error names the field at fault, not \"" + status.field() + "\"");
}

// True when every string in `value` is valid UTF-8: all a JSON body can hold, so all the
// process ever writes (a hand-edited file may hold other bytes; those need not round-trip).
inline bool IsUtf8(const nlohmann::json& value) {
  try {
    (void)value.dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Dumps as the API does (invalid UTF-8 replaced), so a check never throws on text it
// compares.
inline std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace spark::fuzz
