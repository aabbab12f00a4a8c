#pragma once
// What the update lines of update_commands.h print, read back: the checkout on the head
// (marker `update-check`) and the launch images of a Spark (markers `image`, `image-tag`).
// Strict about what reaches the API (SHAs, counts, dates, subjects), tolerant of lines they do
// not know. Pure, thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

// No more commits are listed (the check asks git for the newest 20).
inline constexpr size_t kMaxUpstreamCommits = 20;
// A subject longer than this is cut (at a UTF-8 character boundary).
inline constexpr size_t kMaxSubjectBytes = 200;

struct UpstreamCommit {
  std::string sha;      // 40 or 64 lowercase hex digits
  std::string date;     // the committer date as git prints it (%cI, strict ISO 8601)
  std::string subject;  // ≤ 200 bytes, valid UTF-8, no control characters
};

struct CheckoutReport {
  bool fetched = false;
  std::string fetch_error;                            // the last stderr line of git fetch
  std::optional<std::string> branch;                  // nullopt: detached HEAD
  std::optional<std::string> local;                   // nullopt: not a git checkout
  std::optional<std::string> upstream_ref, upstream;  // nullopt: no upstream
  int dirty = 0;                                      // changed tracked files
  std::optional<int> behind, ahead;                   // nullopt: no upstream (or unknown)
  std::vector<UpstreamCommit> commits;                // ≤ 20, newest first
};

// Reads the check's output up to its end line. invalid_field (field "checkout") when the end
// line is missing (truncated output) or a known line is garbage (a SHA that is not hex, a count
// that is not a number, a `fetch` line that is neither ok nor failed); remote_command_failed for
// `dirty -` (git status failed: the local changes are unknown, never "clean"). Unknown lines are
// ignored, commit lines past the 20th dropped; without a fetch line, fetch_error says so.
Result<CheckoutReport> ParseCheckoutReport(std::string_view out);

struct ImageRef {
  std::string id;       // "sha256:<64 hex>" as docker prints it
  std::string created;  // as docker prints it (ParseDockerTime reads it)
};

// Reads `image TAG ID CREATED` / `image TAG -` lines: tag → image (nullopt when absent), for
// every tag line seen (the later line of a repeated tag wins). invalid_field (field "image")
// for a garbage image line; other lines are ignored.
Result<std::map<std::string, std::optional<ImageRef>>> ParseImageReport(std::string_view out);
// `tag`'s image in a parsed report; nullopt when the tag is absent or not in the report.
std::optional<ImageRef> ImageTagged(const std::map<std::string, std::optional<ImageRef>>& report,
                                    const std::string& tag);

// The checkout's state: "unknown" without local; "detached" without branch; "dirty" when
// dirty > 0 or ahead > 0; "behind" when behind > 0; "unknown" without upstream or behind;
// else "ok".
std::string CheckoutState(const CheckoutReport& report);

// docker's Created ("2026-11-30T10:00:00.123456789Z", or with an offset such as "+01:00")
// → WallTime (milliseconds kept); nullopt for anything else.
std::optional<WallTime> ParseDockerTime(std::string_view created);

}  // namespace spark
