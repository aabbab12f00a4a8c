#pragma once
// What the Hugging Face Hub said about a repo before a download (marker `spark-control-hub`
// of issue 14's design): the body of `GET /api/models/{repo}/revision/{rev}?blobs=true`, then
// `spark-control-http CODE` and `spark-control-access CODE`. Pure, thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/status.h"

namespace spark {

struct HubModel {
  std::string sha;                      // the revision's commit: 40 lowercase hex digits
  std::optional<uint64_t> total_bytes;  // nullopt when a file's size is not given
  size_t files = 0;
};

// The bodies the Hub sends for a model are far smaller; a larger one is refused unread.
inline constexpr size_t kMaxHubBodyBytes = 8 * 1024 * 1024;

// Reads the output of the hub command (`exit_code`: curl's; nullopt when unknown). The body
// is the lines before the last `spark-control-http` line joined with no separator (a long
// line arrives in 16 KiB pieces). Errors, in this order:
//   auth_required          HTTP or access 401/403 (gated, private, or unknown without a token)
//   not_found              HTTP 404, naming repo and revision
//   remote_command_failed  HTTP 000 or curl failed ("the Spark could not reach the Hub"),
//                          another non-2xx ("the Hub answered HTTP N"), or a body that is not
//                          the model JSON (nested deeper than kMaxJsonDepth, over
//                          kMaxHubBodyBytes, wrong types, no 40-hex sha)
// A file's size is `size`, else `lfs.size`.
Result<HubModel> ParseHubReply(const std::vector<std::string>& stdout_lines,
                               std::optional<int> exit_code, std::string_view repo,
                               std::string_view revision);

}  // namespace spark
