#pragma once
// The Hugging Face Hub API as the download procedure asks it (`remote.hf_endpoint` pointed at
// endpoint()), on a LoopbackServer. Per repo: its files with sizes, the commit, the API's status
// (200/401/403/404/500), the access check's status and a delay. It answers
//   GET  /api/models/{org}/{name}/revision/{rev}?blobs=true  the model info of the real Hub:
//        id, sha, gated, siblings [{rfilename, blobId, size, lfs: {sha256, size, pointerSize}}]
//        (lfs for weights and files over 10 MiB), or {"error": …} with X-Error-Code;
//        rev = main, the commit, or one of the repo's revisions; else 404 RevisionNotFound
//   HEAD /{org}/{name}/resolve/{rev}/.gitattributes  200 with X-Repo-Commit, or the access
//        status (401/403 for a gated repo without access)
// A repo it does not know answers 404 RepoNotFound. Every request is recorded with its
// Authorization header. Thread-safe.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "support/loopback_server.h"

namespace spark::test {

struct HubFile {
  std::string name;  // rfilename, e.g. "model-00001-of-00002.safetensors"
  int64_t size = 0;  // bytes
};

struct HubRepo {
  std::vector<HubFile> files;
  std::string sha;                       // the commit (40 hex digits)
  int status = 200;                      // the model info's answer
  int access = 200;                      // the .gitattributes HEAD's answer
  int delay_ms = 0;                      // before every answer about this repo
  std::vector<std::string> revisions{};  // named revisions besides main and the commit
  int64_t Total() const;                 // the sum of the files' sizes
};

struct HubRequest {
  std::string method;         // GET, HEAD
  std::string target;         // path and query as sent
  std::string authorization;  // the header's value, empty when absent
};

class FakeHub {
 public:
  FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  // http://127.0.0.1:PORT, for `remote.hf_endpoint`.
  std::string endpoint() const;
  // Adds or replaces a repo ("ORG/NAME" or "NAME").
  void SetRepo(const std::string& repo, HubRepo spec);
  std::vector<HubRequest> Requests() const;

 private:
  LoopbackReply Answer(const std::string& head);
  LoopbackReply ModelInfo(const std::string& repo, const std::string& revision);
  LoopbackReply Access(const std::string& repo, const std::string& revision);

  mutable std::mutex mu_;
  std::map<std::string, HubRepo> repos_;
  std::vector<HubRequest> requests_;
  LoopbackServer server_;  // last: its threads call Answer while the members above live
};

// The body the real Hub answers for a model's revision with ?blobs=true.
std::string HubModelInfoBody(const std::string& repo, const HubRepo& spec);

}  // namespace spark::test
