#include "controller/hf_commands.h"

#include <algorithm>
#include <cctype>

#include "controller/cache_listing.h"
#include "controller/detached_commands.h"
#include "controller/remote_names.h"
#include "controller/shell_quote.h"

namespace spark {
namespace {

// `text` with every '/' written as `slash`.
std::string ReplaceSlashes(std::string_view text, std::string_view slash) {
  std::string out;
  for (char c : text) {
    if (c == '/') {
      out += slash;
    } else {
      out += c;
    }
  }
  return out;
}

// A login name for `user@host` in rsync's destination: [a-z_][a-z0-9_.-]*, ≤ 32 bytes.
Status CheckLoginName(std::string_view user) {
  const bool ok = !user.empty() && user.size() <= 32 &&
                  (std::islower(static_cast<unsigned char>(user[0])) || user[0] == '_') &&
                  std::all_of(user.begin(), user.end(), [](char c) {
                    return std::islower(static_cast<unsigned char>(c)) ||
                           std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                           c == '-';
                  });
  if (ok) return Status::Ok();
  return Status::Error(ErrorCode::kInvalidField,
                       "\"" + std::string(user) + "\" is not a login name for the copy to Spark 2",
                       "user");
}

// The remote path of the copy's destination as rsync reads it: relative to the login's home
// for a ~/ path, else absolute.
std::string RsyncPath(std::string_view hf_home) {
  if (hf_home.starts_with("~/")) return std::string(hf_home.substr(2));
  return std::string(hf_home);
}

constexpr const char* kDfFree = "df -PB1 \"$H/hub\" | awk 'NR == 2 {print $4}'";

}  // namespace

HfSettings HfSettings::FromConfig(const Config& config) {
  return {config.remote.hf_home, config.remote.hf_endpoint, config.remote.vllm_docker_dir};
}

HfCommands::HfCommands(HfSettings settings) : settings_(std::move(settings)) {}

std::string RevisionPathSegment(std::string_view revision) {
  return ReplaceSlashes(revision, "%2F");
}

std::string HfCommands::ModelVars(std::string_view repo) const {
  return "H=" + ShellQuotePath(settings_.hf_home) + "; m=\"$H/hub/" + CacheDirName(repo) + "\"; ";
}

Result<RemoteCommandLine> HfCommands::Space(std::string_view repo) const {
  if (Status s = ValidateHfRepo(repo); !s.ok()) return s;
  const std::string line =
      ModelVars(repo) + "mkdir -p \"$H/hub\"; echo \"free $(" + kDfFree + ")\"; echo \"have $(" +
      DirBytes(BlobsDirOf(repo)) +
      ")\"; "
      "k=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo); echo \"memtotal $((${k:-0} * 1024))\"";
  const Duration timeout = std::chrono::seconds(60);
  return RemoteCommandLine{
      MarkedBashLine("spark-control-space repo=" + std::string(repo), timeout, line), timeout};
}

Result<RemoteCommandLine> HfCommands::HubQuery(std::string_view repo,
                                               std::string_view revision) const {
  if (Status s = ValidateHfRepo(repo); !s.ok()) return s;
  if (Status s = ValidateRevision(revision); !s.ok()) return s;
  const std::string rev = RevisionPathSegment(revision);
  const std::string api = settings_.hf_endpoint + "/api/models/" + std::string(repo) +
                          "/revision/" + rev + "?blobs=true";
  const std::string probe =
      settings_.hf_endpoint + "/" + std::string(repo) + "/resolve/" + rev + "/.gitattributes";
  // The token reaches curl as a config file on stdin (-K -): never in a process list.
  const std::string line =
      "H=" + ShellQuotePath(settings_.hf_home) +
      "; t=${HF_TOKEN:-}; if [ -z \"$t\" ] && [ -r \"$H/token\" ]; then t=$(cat \"$H/token\"); "
      "fi; auth() { if [ -n \"$t\" ]; then printf 'header = \"Authorization: Bearer %s\"\\n' "
      "\"$t\"; fi; }; auth | curl -sS -K - --max-time 30 -w '\\nspark-control-http "
      "%{http_code}\\n' " +
      ShellQuote(api) +
      " | head -c 8500000; c=${PIPESTATUS[1]}; auth | curl -sS -K - -o /dev/null -I "
      "--max-time 20 -w 'spark-control-access %{http_code}\\n' " +
      ShellQuote(probe) + "; exit $c";
  const Duration timeout = std::chrono::seconds(70);
  return RemoteCommandLine{MarkedBashLine("spark-control-hub repo=" + std::string(repo) +
                                              " revision=" + std::string(revision),
                                          timeout, line),
                           timeout};
}

Result<std::string> HfCommands::DownloadScript(std::string_view repo,
                                               const std::optional<std::string>& revision,
                                               std::string_view sha,
                                               const std::optional<CopyTarget>& copy) const {
  if (Status s = ValidateHfRepo(repo); !s.ok()) return s;
  if (revision) {
    if (Status s = ValidateRevision(*revision); !s.ok()) return s;
  }
  if (Status s = ValidateRevision(sha); !s.ok()) return s;
  if (copy && copy->user) {
    if (Status s = CheckLoginName(*copy->user); !s.ok()) return s;
  }
  const std::string r = ShellQuote(repo);
  const std::string checkout = ShellQuotePath(settings_.vllm_docker_dir);
  const std::string ref = revision.value_or("main");
  std::string s = ": spark-control-download repo=" + std::string(repo) + " revision=" + ref +
                  " copy=" + (copy ? copy->spark : "none") + "\n";
  s += ModelVars(repo) +
       "\nexport HF_HOME=\"$H\" HF_ENDPOINT=" + ShellQuote(settings_.hf_endpoint) +
       " HF_HUB_DISABLE_PROGRESS_BARS=1 PATH=\"$HOME/.local/bin:$PATH\"\n";
  s += "echo \"spark-control: downloading " + std::string(repo) + " (" + ref + ") into $m\"\n";
  s += "if command -v hf >/dev/null 2>&1; then hf download " + r +
       (revision ? " --revision " + ShellQuote(*revision) : "") + " || exit $?\n";
  if (revision) {
    s += "elif [ -x " + checkout +
         "/hf-download.sh ]; then echo 'spark-control: hf is missing "
         "and hf-download.sh cannot download a chosen revision: install the hf command (pip "
         "install -U huggingface_hub)' >&2; exit 127\n";
  } else {
    s += "elif [ -x " + checkout + "/hf-download.sh ]; then cd " + checkout +
         " && ./hf-download.sh " + r + " || exit $?\n";
  }
  s += "else echo \"spark-control: neither the hf command (pip install -U huggingface_hub) nor " +
       checkout + "/hf-download.sh is on this Spark\" >&2; exit 127; fi\n";
  s += "x=$(cat \"$m/refs/" + ref + "\" 2>/dev/null); if [ ! -d \"$m/snapshots/" +
       std::string(sha) + "\" ] && { [ -z \"$x\" ] || [ ! -d \"$m/snapshots/$x\" ]; }; then " +
       "echo \"spark-control: the download ended but $m/snapshots holds no " + ref +
       "\" >&2; exit 3; fi\n";
  if (copy) {
    const std::string dest = (copy->user ? *copy->user + "@" : "") + copy->host + ":" +
                             RsyncPath(settings_.hf_home) + "/hub/" + CacheDirName(repo) + "/";
    s += "echo spark-control-phase copying\n";
    s += "rsync -a --partial --mkpath -e 'ssh -o BatchMode=yes' \"$m/\" " + ShellQuote(dest) +
         " || exit $?\n";
    s += "echo 'spark-control: copied to " + copy->spark + "'\n";
  }
  return s;
}

Result<std::string> HfCommands::BlobsDir(std::string_view repo) const {
  if (Status s = ValidateHfRepo(repo); !s.ok()) return s;
  return BlobsDirOf(repo);
}

std::string HfCommands::BlobsDirOf(std::string_view repo) const {
  return settings_.hf_home + "/hub/" + CacheDirName(repo) + "/blobs";
}

RemoteCommandLine HfCommands::CacheScan() const {
  const std::string line =
      "H=" + ShellQuotePath(settings_.hf_home) +
      "; if ! cd \"$H/hub\" 2>/dev/null; then echo \"path $H/hub\"; echo \"free $(df -PB1 "
      "\"$HOME\" | awk 'NR == 2 {print $4}')\"; exit 0; fi; echo \"path $(pwd -P)\"; echo "
      "\"free $(df -PB1 . | awk 'NR == 2 {print $4}')\"; for d in models--*; do [ -d \"$d\" ] "
      "|| continue; s=$(du -sb \"$d\" | cut -f1); t=$(stat -c %Y \"$d\" \"$d\"/blobs "
      "\"$d\"/snapshots 2>/dev/null | sort -n | tail -n 1); r=$(cat \"$d/refs/main\" "
      "2>/dev/null || ls -t \"$d/snapshots\" 2>/dev/null | head -n 1); i=$(find \"$d/blobs\" "
      "-maxdepth 1 -name '*.incomplete' 2>/dev/null | wc -l); echo \"model $d ${s:-0} ${t:-0} "
      "${r:--} $i\"; done";
  const Duration timeout = std::chrono::seconds(120);
  return {MarkedBashLine("spark-control-cache-scan", timeout, line), timeout};
}

Result<RemoteCommandLine> HfCommands::CacheDelete(std::string_view repo) const {
  if (Status s = ValidateHfRepo(repo); !s.ok()) return s;
  const std::string line = ModelVars(repo) + "rm -rf -- \"$m\" \"$H/hub/.locks/" +
                           CacheDirName(repo) + "\" && echo deleted";
  const Duration timeout = std::chrono::seconds(600);
  return RemoteCommandLine{
      MarkedBashLine("spark-control-cache-delete repo=" + std::string(repo), timeout, line),
      timeout};
}

}  // namespace spark
