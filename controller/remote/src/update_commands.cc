#include "controller/update_commands.h"

#include "controller/detached_commands.h"
#include "controller/remote_names.h"
#include "controller/shell_quote.h"

namespace spark {
namespace {

constexpr std::string_view kGitEnv = "export LC_ALL=C GIT_TERMINAL_PROMPT=0\n";
constexpr const char* kImageFormat = "'{{.Id}} {{.Created}}'";

// Prints `image TAG ID CREATED`, or `image TAG -` when the tag (or docker) is missing.
std::string ImageLine(std::string_view tag) {
  const std::string t = ShellQuote(tag);
  return "r=$(docker image inspect " + t + " --format " + kImageFormat +
         " 2>/dev/null | head -n 1); if [ -n \"$r\" ]; then echo \"image " + std::string(tag) +
         " $r\"; else echo 'image " + std::string(tag) + " -'; fi\n";
}

bool IsUpdateImage(std::string_view tag) { return tag == kLaunchImage || tag == kPreviousImage; }

// The check once the shell stands in the checkout ($d): one line per step, each failure
// its `-` line. A failed fetch is named by git's first line that says why (warnings, hints and
// the closing advice of git's ssh errors skipped). The fetch gets 60 s of the 90 and a TERM
// first: git removes its lock files on TERM, not on KILL.
std::string CheckSteps() {
  return "q='^[[:space:]]*$|^(warning|hint):|^Please make sure you have the correct access"
         "|^and the repository exists'\n"
         "e=$(timeout -k 5 60 git fetch --quiet 2>&1 >/dev/null </dev/null); r=$?\n"
         "if [ $r -eq 0 ]; then echo 'fetch ok'; else\n"
         "  l=$(printf '%s\\n' \"$e\" | tr -d '\\r' | grep -v -E \"$q\" | head -n 1)\n"
         "  if [ $r -eq 124 ] || [ $r -eq 137 ]; then l='git fetch took longer than 60 s'; fi\n"
         "  echo \"fetch failed ${l:-git fetch exited $r}\"; fi\n"
         "b=$(git symbolic-ref --quiet --short HEAD 2>/dev/null); echo \"branch ${b:--}\"\n"
         "l=$(git rev-parse --verify --quiet HEAD 2>/dev/null); echo \"local ${l:--}\"\n"
         "u=$(git rev-parse --verify --quiet '@{u}' 2>/dev/null)\n"
         "n=$(git rev-parse --abbrev-ref '@{u}' 2>/dev/null)\n"
         "if [ -n \"$u\" ] && [ -n \"$n\" ]; then echo \"upstream $n $u\"; "
         "else echo 'upstream -'; u=; fi\n"
         "if s=$(git --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null); "
         "then "
         "echo \"dirty $(printf '%s' \"$s\" | grep -c '')\"; else echo 'dirty -'; fi\n"
         "if [ -n \"$u\" ]; then\n"
         "  c=$(git rev-list --count 'HEAD..@{u}' 2>/dev/null); echo \"behind ${c:--}\"\n"
         "  c=$(git rev-list --count '@{u}..HEAD' 2>/dev/null); echo \"ahead ${c:--}\"\n"
         "  git log -n 20 --format='commit %H %cI %s' 'HEAD..@{u}' 2>/dev/null\n"
         "fi\n";
}

}  // namespace

UpdateCommands::UpdateCommands(std::string vllm_docker_dir)
    : vllm_docker_dir_(std::move(vllm_docker_dir)) {}

Result<RemoteCommandLine> UpdateCommands::Check() const {
  if (Status s = ValidateRemoteDir(vllm_docker_dir_); !s.ok()) return s;
  // The checkout must be the top of its work tree: a plain directory inside another checkout
  // (a home kept in git) is not spark-vllm-docker. Without one, every line says so.
  const std::string script =
      std::string(kGitEnv) + "d=" + ShellQuotePath(vllm_docker_dir_) +
      "\nw=\nif ! command -v git >/dev/null 2>&1; then w='git is not installed'\n"
      "elif ! cd \"$d\" 2>/dev/null; then w=\"no directory $d\"\n"
      "elif ! t=$(git rev-parse --show-toplevel 2>&1); then "
      "w=\"$d is not a git checkout ($(printf '%s' \"$t\" | head -n 1))\"\n"
      "elif [ \"$t\" != \"$(pwd -P)\" ]; then w=\"$d is not a git checkout (it lies in $t)\"; fi\n"
      "if [ -n \"$w\" ]; then printf 'fetch failed %s' \"$w\" | tr -d '\\000-\\037'; "
      "echo; echo 'branch -'; echo 'local -'; echo 'upstream -'; echo 'dirty 0'\n"
      "else\n" +
      CheckSteps() + "fi\necho spark-control-update-check-end\n";
  const Duration timeout = std::chrono::seconds(90);
  return RemoteCommandLine{MarkedBashLine("spark-control-update-check", timeout, script), timeout};
}

RemoteCommandLine UpdateCommands::Images() const {
  const std::string script = ImageLine(kLaunchImage) + ImageLine(kPreviousImage);
  const Duration timeout = std::chrono::seconds(30);
  return {MarkedBashLine("spark-control-image", timeout, script), timeout};
}

Result<RemoteCommandLine> UpdateCommands::Tag(std::string_view from, std::string_view to) const {
  if (!IsUpdateImage(from) || !IsUpdateImage(to) || from == to) {
    return Status::Error(ErrorCode::kInvalidField,
                         std::string("only ") + kLaunchImage + " and " + kPreviousImage +
                             " are tagged, one as the other",
                         "image");
  }
  const std::string script =
      "docker tag " + ShellQuote(from) + " " + ShellQuote(to) + " || exit $?\n" + ImageLine(to);
  const Duration timeout = std::chrono::seconds(60);
  const std::string marker =
      "spark-control-image-tag from=" + std::string(from) + " to=" + std::string(to);
  return RemoteCommandLine{MarkedBashLine(marker, timeout, script), timeout};
}

Result<std::string> UpdateCommands::ApplyScript(const std::optional<UpdateCopy>& copy) const {
  if (Status s = ValidateRemoteDir(vllm_docker_dir_); !s.ok()) return s;
  std::string args;
  if (copy) {
    if (Status s = ValidateHostName(copy->host); !s.ok()) return s;
    args = " -c " + ShellQuote(copy->host);
    if (copy->user) {
      if (Status s = ValidateUserName(*copy->user); !s.ok()) return s;
      args += " -u " + ShellQuote(*copy->user);
    }
  }
  std::string s = ": spark-control-update-apply copy=" + (copy ? copy->host : "none") + ";\n";
  s += kGitEnv;
  s += "cd " + ShellQuotePath(vllm_docker_dir_) + " || exit 3\n";
  s += "echo spark-control-phase pulling\n";
  s += "timeout 600 git pull --ff-only </dev/null || exit $?\n";
  s += "echo spark-control-phase building\n";
  s += "./build-and-copy.sh" + args + "\n";
  return s;
}

}  // namespace spark
