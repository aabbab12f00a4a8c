#pragma once
// The nesting rule for JSON that comes from outside (PITFALLS.md "Stack depth"): nlohmann's
// merge_patch, copy and dump recurse once per level, and CivetWeb's request threads have
// ~100 KiB stacks, so a body is measured before anything recursive touches it.

#include <cstddef>
#include <string_view>

namespace spark {

// No request needs more; the diarization body needs 3, a config patch 4.
inline constexpr size_t kMaxJsonDepth = 64;

// Whether arrays and objects in `text` nest deeper than `limit`. One pass, no recursion and
// no allocation; brackets inside strings (escapes included) do not count. Works on any text,
// valid JSON or not.
inline bool NestedDeeperThan(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace spark
