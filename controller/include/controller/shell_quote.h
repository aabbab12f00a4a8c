#pragma once
// The one way text reaches a remote shell (PITFALLS.md "Remote shell commands"): every word
// goes through ShellQuote, each extra shell layer quotes the whole inner line once more, and
// what users type (HF repo ids, vLLM args) passes an allow-list first. Pure functions,
// thread-safe.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/status.h"

namespace spark {

// One shell word that a POSIX shell reads back byte-identical. A non-empty word made only
// of [A-Za-z0-9_@%+=:,./-] is returned as is (so command lines stay readable); anything else
// is put in single quotes with each embedded ' written as '\''.
std::string ShellQuote(std::string_view word);

// The words quoted and joined with single spaces.
std::string ShellJoin(std::span<const std::string> words);

// A directory or file path for `cd` and friends. A leading "~/" (or a lone "~") stays bare
// so the remote shell still expands it to the login's home; the rest is quoted.
std::string ShellQuotePath(std::string_view path);

// `sh -c 'LINE'`: runs an already-quoted command line under one more shell layer. Nest it
// once per layer (ssh → sh -c → docker exec … sh -c); each call quotes the whole line again.
std::string NestedShell(std::string_view command_line);

// Words for a script that joins its arguments into one string and runs that with another
// shell (`launch-cluster.sh exec`: COMMAND_TO_RUN="$@" → `bash -i -c "$COMMAND_TO_RUN"`):
// each word is quoted for that inner shell, and the quoted word again for the shell that
// starts the script, so the join gives the inner shell exactly the words. Safe words stay
// bare in both layers, so the script still sees `--tensor-parallel-size 2` as words.
std::string ShellJoinForReparse(std::span<const std::string> words);

// Hugging Face repo ids as users type them: `ORG/NAME` or `NAME`, matching
// ^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?/)?[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$
// with no "--" or ".." anywhere and no trailing ".git". invalid_field (field "hf_repo")
// with a sentence naming the rule otherwise.
Status ValidateHfRepo(std::string_view repo);

// A container name from config (docker's own rule, [A-Za-z0-9][A-Za-z0-9_.-]*, ≤ 128).
// Upstream scripts put it unquoted into remote shells, so quoting alone is not enough.
// invalid_field (field "container") otherwise.
Status ValidateContainerName(std::string_view name);

// A directory that reaches a remote command line (remote.vllm_docker_dir, a service's
// cache_dir): absolute or starting with "~/", no "." or ".." component, no control
// character, at most 4096 bytes. invalid_field (field "dir") with a sentence naming the rule.
Status ValidateRemoteDir(std::string_view dir);
// A directory for `chown -R`: ValidateRemoteDir, and never "/", "~" or a top-level system
// directory (/usr, /etc, /var, /home, …) itself, however written ("/usr/", "//usr", "~/").
Status ValidateChownDir(std::string_view dir);

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
