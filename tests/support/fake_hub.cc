#include "support/fake_hub.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

namespace spark::test {
namespace {

using nlohmann::json;

// `digits` lowercase hex digits derived from `seed` (stands in for a git or sha256 id).
std::string HubHexId(const std::string& seed, size_t digits) {
  std::string hex;
  for (size_t round = 0; hex.size() < digits; ++round) {
    std::ostringstream part;
    part << std::hex << std::hash<std::string>{}(seed + "#" + std::to_string(round));
    hex += part.str();
  }
  return hex.substr(0, digits);
}

std::string PercentDecoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
        std::isxdigit(text[i + 2])) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The value of header `name` (lower case) in a request head; empty when absent.
std::string HeaderValue(const std::string& head, const std::string& name) {
  std::istringstream in(head);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (key != name) continue;
    const auto start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

bool StoredInLfs(const HubFile& file) {
  for (const char* suffix : {".safetensors", ".bin", ".gguf", ".pt", ".pth", ".model"}) {
    if (file.name.ends_with(suffix)) return true;
  }
  return file.size > 10 * 1024 * 1024;
}

LoopbackReply HubError(int status, const std::string& code, const std::string& message) {
  return {status,
          json{{"error", message}}.dump(),
          {"Content-Type: application/json; charset=utf-8", "X-Error-Code: " + code,
           "X-Error-Message: " + message},
          0};
}

// The real Hub's answer when a repo's status is not 200.
LoopbackReply HubStatusError(int status, const std::string& repo) {
  switch (status) {
    case 401:
      return HubError(401, "GatedRepo",
                      "Access to model " + repo +
                          " is restricted. You must have access to it and be authenticated to "
                          "access it. Please log in.");
    case 403:
      return HubError(403, "GatedRepo",
                      "Access to model " + repo +
                          " is restricted and you are not in the authorized list. Visit "
                          "https://huggingface.co/" +
                          repo + " to ask for access.");
    case 404:
      return HubError(404, "RepoNotFound", "Repository not found");
    default:
      return HubError(status, "InternalError",
                      "Internal Error - We're working hard to fix this as soon as possible!");
  }
}

bool KnownRevision(const HubRepo& spec, const std::string& revision) {
  return revision == "main" || revision == spec.sha ||
         std::find(spec.revisions.begin(), spec.revisions.end(), revision) != spec.revisions.end();
}

}  // namespace

int64_t HubRepo::Total() const {
  int64_t total = 0;
  for (const auto& file : files) total += file.size;
  return total;
}

std::string HubModelInfoBody(const std::string& repo, const HubRepo& spec) {
  json siblings = json::array();
  for (const auto& file : spec.files) {
    json sibling = {{"rfilename", file.name},
                    {"blobId", HubHexId(repo + "/" + file.name, 40)},
                    {"size", file.size}};
    if (StoredInLfs(file)) {
      sibling["lfs"] = {{"sha256", HubHexId(repo + "/" + file.name + "/lfs", 64)},
                        {"size", file.size},
                        {"pointerSize", 134}};
    }
    siblings.push_back(sibling);
  }
  const auto slash = repo.find('/');
  return json{{"_id", HubHexId(repo, 24)},
              {"id", repo},
              {"modelId", repo},
              {"author", slash == std::string::npos ? repo : repo.substr(0, slash)},
              {"sha", spec.sha},
              {"lastModified", "2026-10-02T08:14:51.000Z"},
              {"createdAt", "2026-09-30T17:02:11.000Z"},
              {"private", false},
              {"gated", spec.access == 200 ? json(false) : json("manual")},
              {"disabled", false},
              {"downloads", 1204},
              {"likes", 37},
              {"library_name", "transformers"},
              {"pipeline_tag", "text-generation"},
              {"tags", {"transformers", "safetensors", "text-generation"}},
              {"siblings", siblings},
              {"spaces", json::array()},
              {"usedStorage", spec.Total()}}
      .dump();
}

FakeHub::FakeHub() : server_([this](const std::string& head) { return Answer(head); }) {}

std::string FakeHub::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(server_.port());
}

void FakeHub::SetRepo(const std::string& repo, HubRepo spec) {
  std::lock_guard lock(mu_);
  repos_[repo] = std::move(spec);
}

std::vector<HubRequest> FakeHub::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

LoopbackReply FakeHub::Answer(const std::string& head) {
  std::istringstream line(head.substr(0, head.find('\r')));
  HubRequest request;
  line >> request.method >> request.target;
  request.authorization = HeaderValue(head, "authorization");
  {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
  }
  const std::string path = request.target.substr(0, request.target.find('?'));
  const std::string api = "/api/models/";
  if (request.method == "GET" && path.starts_with(api)) {
    const auto at = path.find("/revision/");
    if (at != std::string::npos) {
      return ModelInfo(path.substr(api.size(), at - api.size()),
                       PercentDecoded(path.substr(at + 10)));
    }
  }
  const std::string file = "/.gitattributes";
  const auto resolve = path.find("/resolve/");
  if (request.method == "HEAD" && resolve != std::string::npos && path.ends_with(file)) {
    const std::string revision = path.substr(resolve + 9, path.size() - file.size() - resolve - 9);
    return Access(path.substr(1, resolve - 1), PercentDecoded(revision));
  }
  return HubError(404, "EntryNotFound", "Not Found");
}

LoopbackReply FakeHub::ModelInfo(const std::string& repo, const std::string& revision) {
  std::lock_guard lock(mu_);
  const auto found = repos_.find(repo);
  if (found == repos_.end()) return HubStatusError(404, repo);
  const HubRepo& spec = found->second;
  LoopbackReply reply = spec.status != 200 ? HubStatusError(spec.status, repo)
                        : !KnownRevision(spec, revision)
                            ? HubError(404, "RevisionNotFound", "Invalid rev id: " + revision)
                            : LoopbackReply{200,
                                            HubModelInfoBody(repo, spec),
                                            {"Content-Type: application/json; charset=utf-8"},
                                            0};
  reply.delay_ms = spec.delay_ms;
  return reply;
}

LoopbackReply FakeHub::Access(const std::string& repo, const std::string& revision) {
  std::lock_guard lock(mu_);
  const auto found = repos_.find(repo);
  if (found == repos_.end()) return HubStatusError(404, repo);
  const HubRepo& spec = found->second;
  const int status = spec.status != 200 ? spec.status : spec.access;
  LoopbackReply reply =
      status != 200 ? HubStatusError(status, repo)
      : !KnownRevision(spec, revision)
          ? HubError(404, "RevisionNotFound", "Invalid rev id: " + revision)
          : LoopbackReply{200,
                          "*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
                          {"X-Repo-Commit: " + spec.sha, "ETag: \"" + HubHexId(repo, 40) + "\""},
                          0};
  reply.delay_ms = spec.delay_ms;
  return reply;
}

}  // namespace spark::test
