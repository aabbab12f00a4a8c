#pragma once
// The one way text reaches a remote shell (PITFALLS.md "Remote shell commands"): every word
// goes through ShellQuote and each extra shell layer quotes the whole inner line once more.
// What users type passes an allow-list first (remote_names.h, vllm_args.h). Pure functions,
// thread-safe.

#include <span>
#include <string>
#include <string_view>

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

}  // namespace spark
