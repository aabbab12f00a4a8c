#pragma once
// The part of the demo's Hugging Face side that holds no state: what the Hub knows about a repo
// (derived from its name). The marker statements are in demo/simulated_detached.h.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "demo/simulated_downloads.h"

namespace spark {

// `digits` hex digits derived from `text` (SHAs, blob names and image ids of the demo).
std::string HexOf(std::string_view text, size_t digits);

struct HubFile {
  std::string name;
  int64_t size = 0;
  std::string blob;  // its blob's name under blobs/ (a sha256-like hex)
};

struct HubRepo {
  int http = 200;    // the Hub API's answer
  int access = 200;  // the HEAD of a file with the token
  std::string sha;   // the commit the revision resolves to
  std::vector<HubFile> files;
  int64_t total = 0;
  Duration download{};  // the whole download from nothing (5–20 s)
};

// What the Hub answers for `repo` at `revision`; `known` gives the bundled models their sizes.
HubRepo DescribeHubRepo(const std::string& repo, const std::string& revision,
                        const std::vector<CachedRepo>& known);
// The stdout of `: spark-control-hub …;`: the API body (in 16 KiB pieces), then the
// `spark-control-http` and `spark-control-access` lines.
std::vector<std::string> HubAnswerLines(const std::string& repo, const HubRepo& hub);

}  // namespace spark
