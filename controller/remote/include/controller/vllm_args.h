#pragma once
// Custom vLLM arguments as users type them: split into words, checked flag by flag against an
// allow-list, and written back in canonical form. Pure functions, thread-safe.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/status.h"

namespace spark {

// Splits what a user typed into an "extra vLLM args" box into words: whitespace separates,
// '…' and "…" group (no escapes inside), an unterminated quote is invalid_field ("args").
Result<std::vector<std::string>> TokenizeArgs(std::string_view text);

// One vLLM flag with its value, as the allow-list accepted it.
struct VllmFlag {
  std::string flag;                  // "--max-model-len"
  std::optional<std::string> value;  // "32768"; nullopt for a switch
  bool operator==(const VllmFlag&) const = default;
};

// What the operator file allows beyond the allow-list (config `security`).
struct VllmArgsPolicy {
  // --trust-remote-code runs the model repo's own Python in a privileged container.
  bool allow_trust_remote_code = false;
};

// Checks custom vLLM args word by word against the allow-list of flags (`--flag value` or
// `--flag=value`). Switches take no value; number flags take an integer or decimal (which
// may start with '-'); text flags take a non-empty value that does not start with '-' and
// holds no control characters. Flags spark-control sets itself (--host, --port,
// --tensor-parallel-size, --served-model-name, …), short flags and positional words are
// refused, and --trust-remote-code unless `policy` allows it. invalid_field with field
// "args[i]" naming the first bad word.
Result<std::vector<VllmFlag>> ParseVllmArgs(std::span<const std::string> args,
                                            VllmArgsPolicy policy = {});

// The flags back as words, `--flag value` (the canonical form shown in commands).
std::vector<std::string> VllmArgWords(std::span<const VllmFlag> flags);

}  // namespace spark
