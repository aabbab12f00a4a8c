#pragma once
// Names and directories from config or requests that end up in a remote command line. Quoting
// is not enough for them (upstream scripts put some unquoted into a second shell), so each
// passes an allow-list first. Pure functions, thread-safe.

#include <string_view>

#include "exporter/status.h"

namespace spark {

// True if `s` holds an ASCII control character (below 0x20, or DEL).
bool HasControlChar(std::string_view s);

// Hugging Face repo ids as users type them: `ORG/NAME` or `NAME`, matching
//   ORG  = [A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?
//   NAME = [A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?
//   ^(?:ORG/)?NAME$
// with no "--" or ".." anywhere and no trailing ".git". invalid_field (field "hf_repo")
// with a sentence naming the rule otherwise.
Status ValidateHfRepo(std::string_view repo);

// A Hub revision (branch, tag or commit) as users type it: [A-Za-z0-9._/-]{1,128}, not
// starting with '-' or '/', without ".." anywhere. invalid_field (field "revision") otherwise.
Status ValidateRevision(std::string_view revision);

// remote.hf_endpoint: an http:// or https:// URL of at most 2048 printable bytes without
// spaces, quotes or backslashes (it reaches curl and HF_ENDPOINT on the Spark). invalid_field
// (field "hf_endpoint") otherwise.
Status ValidateHubEndpoint(std::string_view url);

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

// A host name or address that reaches a remote command line (build-and-copy.sh's `-c HOST`,
// which runs `ssh "USER@HOST" …`): [A-Za-z0-9._:-]{1,253}, not starting with '-'.
// invalid_field (field "host") otherwise.
Status ValidateHostName(std::string_view host);
// A login name for `USER@HOST`: [A-Za-z0-9_][A-Za-z0-9_.-]{0,31}. invalid_field (field
// "user") otherwise.
Status ValidateUserName(std::string_view user);

}  // namespace spark
