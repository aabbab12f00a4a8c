#include "controller/hub_reply.h"

#include <nlohmann/json.hpp>

#include "exporter/json_depth.h"
#include "remote_words.h"

namespace spark {
namespace {

using nlohmann::json;

// The output's parts: the body and the two status lines.
struct HubOutput {
  std::optional<uint64_t> http;  // set when the line is there and readable
  std::optional<uint64_t> access;
  size_t body_lines = 0;  // the lines before the http line (all of them without one)
};

HubOutput SplitHubOutput(const std::vector<std::string>& lines) {
  HubOutput out;
  size_t at = lines.size();
  while (at > 0 && !AfterKey(lines[at - 1], "spark-control-http")) --at;
  if (at == 0) {
    out.body_lines = lines.size();
    return out;
  }
  out.body_lines = at - 1;
  out.http = ParseCount(*AfterKey(lines[at - 1], "spark-control-http"));
  for (size_t i = lines.size(); i > at; --i) {
    if (const auto code = AfterKey(lines[i - 1], "spark-control-access")) {
      out.access = ParseCount(*code);
      break;
    }
  }
  return out;
}

bool HubRefused(std::optional<uint64_t> code) { return code == 401u || code == 403u; }

Status HubFailed(std::string message) {
  return Status::Error(ErrorCode::kRemoteCommandFailed, std::move(message));
}

// `value` as a size in bytes: a JSON integer ≥ 0. Absent and null are nullopt (*ok stays
// true); anything else clears *ok.
std::optional<uint64_t> SizeMember(const json& object, const char* key, bool* ok) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  *ok = false;
  return std::nullopt;
}

bool IsCommitSha(const json& sha) {
  if (!sha.is_string()) return false;
  const auto& text = sha.get_ref<const std::string&>();
  if (text.size() != 40) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<HubModel> ReadModel(const std::string& body, std::string_view repo) {
  const std::string of = "the Hub's answer for " + std::string(repo);
  if (NestedDeeperThan(body, kMaxJsonDepth)) return HubFailed(of + " nests too deeply");
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return HubFailed(of + " is not a JSON object");
  const auto sha = doc.find("sha");
  if (sha == doc.end() || !IsCommitSha(*sha)) return HubFailed(of + " has no commit sha");
  const auto siblings = doc.find("siblings");
  if (siblings == doc.end() || !siblings->is_array()) {
    return HubFailed(of + " has no list of files");
  }
  HubModel model{sha->get<std::string>(), uint64_t{0}, siblings->size()};
  for (const json& file : *siblings) {
    bool ok = file.is_object();
    std::optional<uint64_t> size = ok ? SizeMember(file, "size", &ok) : std::nullopt;
    const auto lfs = ok ? file.find("lfs") : file.end();
    if (!size && ok && lfs != file.end() && !lfs->is_null()) {
      ok = lfs->is_object();
      if (ok) size = SizeMember(*lfs, "size", &ok);
    }
    if (!ok) return HubFailed(of + " lists a file that is not a name with a size");
    if (!size) {
      model.total_bytes.reset();
    } else if (model.total_bytes) {
      if (*size > UINT64_MAX - *model.total_bytes) return HubFailed(of + " sums past 2^64 bytes");
      *model.total_bytes += *size;
    }
  }
  return model;
}

}  // namespace

Result<HubModel> ParseHubReply(const std::vector<std::string>& stdout_lines,
                               std::optional<int> exit_code, std::string_view repo,
                               std::string_view revision) {
  const std::string name(repo);
  const std::string rev = revision.empty() ? "main" : std::string(revision);
  const HubOutput out = SplitHubOutput(stdout_lines);
  const std::string token_advice =
      "set HF_TOKEN for the Spark user (or put the token in $HF_HOME/token)";
  if (HubRefused(out.http)) {
    // The Hub answers 401 alike for a private repo and for one that does not exist.
    return Status::Error(ErrorCode::kAuthRequired,
                         name +
                             " is gated, private or not on the Hub: check the name; for a "
                             "gated or private repo accept the licence on Hugging Face and " +
                             token_advice);
  }
  if (HubRefused(out.access)) {
    return Status::Error(
        ErrorCode::kAuthRequired,
        name + " is gated: accept the licence on Hugging Face and " + token_advice);
  }
  if (out.http == 404u) {
    return Status::Error(
        ErrorCode::kNotFound,
        name + " at revision " + rev + " is not on the Hub: check the repo id and the revision");
  }
  // The command cuts the output a little past 8 MiB: a longer body loses its status line.
  size_t body_bytes = 0;
  for (size_t i = 0; i < out.body_lines; ++i) body_bytes += stdout_lines[i].size();
  if (body_bytes > kMaxHubBodyBytes && (!out.http || (*out.http >= 200 && *out.http <= 299))) {
    return HubFailed("the Hub's answer for " + name + " is larger than 8 MiB");
  }
  if (out.http == 0u || (exit_code && *exit_code != 0)) {
    return HubFailed("the Spark could not reach the Hub" +
                     (exit_code && *exit_code != 0
                          ? " (curl exited with " + std::to_string(*exit_code) + ")"
                          : std::string()));
  }
  if (!out.http) return HubFailed("the Spark's Hub query gave no HTTP status");
  if (*out.http < 200 || *out.http > 299) {
    return HubFailed("the Hub answered HTTP " + std::to_string(*out.http) + " for " + name);
  }
  std::string body;
  body.reserve(body_bytes);
  for (size_t i = 0; i < out.body_lines; ++i) body += stdout_lines[i];
  return ReadModel(body, repo);
}

}  // namespace spark
