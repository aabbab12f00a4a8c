#pragma once
// The words of the marker protocol's output lines (design of issue 14: `free N`,
// `spark-control-poll alive=1 size=N …`): what the remote parsers share. Pure, thread-safe.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace spark {

// `text` as a count: 1–20 ASCII digits that fit in 64 bits; nullopt for anything else (a
// sign, a space, an empty word, an overflow).
std::optional<uint64_t> ParseCount(std::string_view text);

// The words of `line`, split on runs of spaces (a tab is part of a word). At most `max`
// words; the rest of the line is dropped.
std::vector<std::string_view> SplitWords(std::string_view line, size_t max = 16);

// What follows "KEY " when `line` starts with it (`free 123` → "123"); nullopt otherwise.
std::optional<std::string_view> AfterKey(std::string_view line, std::string_view key);

// The next line of `out` from `at` (without its \n and a trailing \r); moves `at` past it.
std::string_view NextLine(std::string_view out, size_t& at);

}  // namespace spark
