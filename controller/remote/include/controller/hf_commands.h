#pragma once
// Command lines for Hugging Face downloads and the model cache on a Spark
// (SPARK-VLLM-DOCKER.md "Model downloads"): the Hub query and the space check before a
// download, the download script that runs detached (detached_commands.h), and the cache scan
// and delete. Repo ids and revisions pass their allow-lists here too; every line starts with a
// `: spark-control-VERB key=value…;` marker. Pure, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "controller/command_builder.h"

namespace spark {

struct HfSettings {
  std::string hf_home = "~/.cache/huggingface";  // remote.hf_home
  std::string hf_endpoint = "https://huggingface.co";
  std::string vllm_docker_dir = "~/spark-vllm-docker";  // where hf-download.sh lives

  static HfSettings FromConfig(const Config& config);
};

// Where a cluster download copies the model to: the other Spark, reached from Spark 1 over
// the Sparks' own SSH (as hf-download.sh -c does).
struct CopyTarget {
  std::string spark;  // config name, for the marker
  std::string host;
  std::optional<std::string> user;
};

class HfCommands {
 public:
  explicit HfCommands(HfSettings settings);

  // `: spark-control-space repo=R;` — `free N`, `have N`, `memtotal N`.
  Result<RemoteCommandLine> Space(std::string_view repo) const;
  // `: spark-control-hub repo=R revision=V;` — the Hub API body, `spark-control-http CODE`,
  // `spark-control-access CODE`; the token goes to curl on stdin, never on a command line.
  Result<RemoteCommandLine> HubQuery(std::string_view repo, std::string_view revision) const;
  // The body of the detached download script: `hf download`, else the checkout's
  // hf-download.sh, else a plain sentence and exit 127; then that snapshots/ holds `sha`; with
  // `copy`, the line `spark-control-phase copying` and an rsync to the other Spark.
  Result<std::string> DownloadScript(std::string_view repo,
                                     const std::optional<std::string>& revision,
                                     std::string_view sha,
                                     const std::optional<CopyTarget>& copy) const;
  // The model's blobs/ dir (for the poll's measurement).
  Result<std::string> BlobsDir(std::string_view repo) const;
  // `: spark-control-cache-scan;` — `path`, `free`, one `model …` line per cached repo.
  RemoteCommandLine CacheScan() const;
  // `: spark-control-cache-delete repo=R;` — removes the repo's model dir and its lock dir.
  Result<RemoteCommandLine> CacheDelete(std::string_view repo) const;

 private:
  // `H=…; m="$H/hub/models--ORG--NAME"; ` for scripts.
  std::string ModelVars(std::string_view repo) const;
  std::string BlobsDirOf(std::string_view repo) const;  // the repo is valid

  HfSettings settings_;
};

// A revision as one URL path segment ('/' → %2F; the allow-list leaves nothing else to escape).
std::string RevisionPathSegment(std::string_view revision);

}  // namespace spark
