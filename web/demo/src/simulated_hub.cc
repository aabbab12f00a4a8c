// What the demo's Hub knows about a repo, derived from its name.
#include "simulated_hub.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace spark {
namespace {

constexpr int64_t kGigabyte = 1000LL * 1000 * 1000;
constexpr int64_t kShard = 5 * kGigabyte;  // safetensors shards of at most 5 GB
constexpr size_t kHubPiece = 16 * 1024;    // a long line arrives in pieces this long

uint64_t NameHash(std::string_view text, uint64_t salt = 0) {
  uint64_t h = 1469598103934665603ULL ^ salt;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

bool Contains(const std::string& text, std::string_view word) {
  return text.find(word) != std::string::npos;
}

int64_t TotalOf(const std::string& repo, const std::vector<CachedRepo>& known) {
  for (const auto& k : known) {
    if (k.hf_repo == repo) return k.size_bytes;
  }
  if (Contains(repo, "huge")) return 5000 * kGigabyte;
  const uint64_t h = NameHash(repo);
  return (2 + static_cast<int64_t>(h % 39)) * kGigabyte +
         static_cast<int64_t>((h >> 8) % 997) * 1000 * 1000;
}

std::vector<HubFile> FilesOf(const std::string& repo, int64_t total) {
  std::vector<HubFile> files = {{"config.json", 1638, ""},
                                {"generation_config.json", 214, ""},
                                {"model.safetensors.index.json", 61234, ""},
                                {"tokenizer.json", 11422654, ""},
                                {"tokenizer_config.json", 5403, ""}};
  int64_t rest = total;
  for (const auto& f : files) rest -= f.size;
  const int64_t shards = std::max<int64_t>(1, (rest + kShard - 1) / kShard);
  for (int64_t i = 1; i <= shards; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05lld-of-%05lld.safetensors",
                  static_cast<long long>(i), static_cast<long long>(shards));
    const int64_t size = rest / shards + (i == shards ? rest % shards : 0);
    files.push_back({name, size, ""});
  }
  for (auto& f : files) f.blob = HexOf(repo + "/" + f.name, 64);
  return files;
}

}  // namespace

std::string HexOf(std::string_view text, size_t digits) {
  std::string hex;
  for (uint64_t salt = 1; hex.size() < digits; ++salt) {
    char piece[17];
    std::snprintf(piece, sizeof piece, "%016llx",
                  static_cast<unsigned long long>(NameHash(text, salt)));
    hex += piece;
  }
  return hex.substr(0, digits);
}

HubRepo DescribeHubRepo(const std::string& repo, const std::string& revision,
                        const std::vector<CachedRepo>& known) {
  HubRepo hub;
  if (Contains(repo, "gated")) {
    hub.http = 401;
    hub.access = 401;
  } else if (Contains(repo, "missing")) {
    hub.http = 404;
    hub.access = 404;
  }
  const bool is_sha =
      revision.size() == 40 && revision.find_first_not_of("0123456789abcdef") == std::string::npos;
  hub.sha = is_sha ? revision : HexOf(repo + "@" + (revision.empty() ? "main" : revision), 40);
  hub.total = TotalOf(repo, known);
  hub.files = FilesOf(repo, hub.total);
  hub.download = std::chrono::seconds(5 + static_cast<int>(NameHash(repo, 7) % 16));
  return hub;
}

std::vector<std::string> HubAnswerLines(const std::string& repo, const HubRepo& hub) {
  nlohmann::json body;
  if (hub.http == 401) {
    body = {{"error", "Access to model " + repo +
                          " is restricted. You must have access to it and be authenticated to "
                          "access it. Please log in."}};
  } else if (hub.http == 404) {
    body = {{"error", "Repository not found"}};
  } else {
    nlohmann::json siblings = nlohmann::json::array();
    for (const auto& f : hub.files) {
      siblings.push_back(
          {{"rfilename", f.name}, {"blobId", f.blob.substr(0, 40)}, {"size", f.size}});
    }
    body = {{"_id", HexOf(repo, 24)},
            {"id", repo},
            {"private", false},
            {"gated", false},
            {"disabled", false},
            {"sha", hub.sha},
            {"library_name", "transformers"},
            {"siblings", siblings},
            {"usedStorage", hub.total}};
  }
  const std::string text = body.dump();
  std::vector<std::string> lines;
  for (size_t at = 0; at < text.size(); at += kHubPiece)
    lines.push_back(text.substr(at, kHubPiece));
  lines.push_back("spark-control-http " + std::to_string(hub.http));
  lines.push_back("spark-control-access " + std::to_string(hub.access));
  return lines;
}

}  // namespace spark
