#include "controller/detached_commands.h"

#include <algorithm>
#include <cctype>

#include "controller/shell_quote.h"

namespace spark {
namespace {

constexpr std::string_view kJobsRoot = "~/.cache/spark-control/jobs/";

bool SafeWord(std::string_view word) {
  return !word.empty() && word.size() <= 64 && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// The job dir as the remote shell reads it: the ~/ stays bare, the rest is safe words.
std::string DirWord(std::string_view dir) { return ShellQuotePath(dir); }

}  // namespace

std::string DirBytes(std::string_view dir) {
  const std::string d = ShellQuotePath(dir);
  // du -sb counts the directory's own entry too: take it off, so an empty dir is 0.
  return "t=$(du -sb " + d +
         " 2>/dev/null | cut -f1); if [ -n \"$t\" ]; then echo $((t - $(stat -c "
         "%s " +
         d + "))); else echo 0; fi";
}

std::string MarkedBashLine(std::string_view marker, Duration timeout, std::string_view script) {
  return ": " + std::string(marker) + "; " + CommandBuilder::TimeoutPrefix(timeout) + "bash -c " +
         ShellQuote(script);
}

Result<std::string> DetachedCommands::JobDir(std::string_view cluster, std::string_view job_id) {
  if (!SafeWord(cluster) || !SafeWord(job_id)) {
    return Status::Error(ErrorCode::kInvalidField,
                         "a job directory needs a cluster name and a job id made of letters, "
                         "digits, '_' and '-'",
                         "job");
  }
  return std::string(kJobsRoot) + std::string(cluster) + "/" + std::string(job_id);
}

RemoteCommandLine DetachedCommands::Start(std::string_view dir, std::string_view body) {
  const std::string d = DirWord(dir);
  // The script records its pid first and its status last (status.tmp + mv: a reader sees no
  // half-written number). The body runs in a subshell, so its `exit N` still reaches the end.
  const std::string script = "echo $$ > pid\n(\n" + std::string(body) +
                             "\n)\necho $? > status.tmp && mv -f status.tmp status\n";
  // Finished jobs' dirs (they hold a status) of the same cluster older than a week go first:
  // their logs are kept for a look after a failure, but do not pile up.
  const std::string prune =
      "for o in " + d +
      "/../*/; do if [ -f \"$o/status\" ] && [ -n \"$(find \"$o/status\" "
      "-mtime +7 2>/dev/null)\" ]; then rm -rf -- \"$o\"; fi; done 2>/dev/null; ";
  const std::string line =
      "mkdir -p " + d + " && " + prune + "cd " + d +
      " && rm -f pid status status.tmp log && printf '%s' " + ShellQuote(script) +
      " > script && setsid -f nohup bash " + d +
      "/script > log 2>&1 < /dev/null; i=0; while [ ! -s pid ] && [ $i -lt 100 ]; do sleep 0.05; "
      "i=$((i + 1)); done; echo \"spark-control-detached pid=$(cat pid 2>/dev/null)\"";
  const Duration timeout = std::chrono::seconds(30);
  return {MarkedBashLine("spark-control-detach dir=" + std::string(dir), timeout, line), timeout};
}

RemoteCommandLine DetachedCommands::Poll(std::string_view dir, uint64_t offset,
                                         const std::optional<std::string>& measure_dir) {
  const std::string d = DirWord(dir);
  const std::string n = std::to_string(offset);
  std::string line =
      "cd " + d +
      " 2>/dev/null || { echo 'spark-control-poll gone'; exit 0; }; a=0; "
      "p=$(cat pid 2>/dev/null); if [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null; then a=1; fi; "
      // Alive first, then the status: a script that ended between the two left its status.
      "s=$(cat status 2>/dev/null); z=$(stat -c %s log 2>/dev/null || echo 0); e=$((" +
      n + " + " + std::to_string(kChunkBytes) + ")); if [ \"$e\" -gt \"$z\" ]; then e=$z; fi; " +
      "if [ \"$e\" -lt " + n + " ]; then e=" + n + "; fi; b=; ";
  if (measure_dir) {
    line += "b=$(" + DirBytes(*measure_dir) + "); ";
  }
  line += "echo \"spark-control-poll alive=$a status=$s size=$z next=$e bytes=$b\"; tail -c +$((" +
          n + " + 1)) log 2>/dev/null | head -c $((e - " + n +
          ")) | tr '\\r' '\\n'; echo; echo spark-control-poll-end";
  const Duration timeout = std::chrono::seconds(30);
  std::string marker = "spark-control-poll dir=" + std::string(dir) + " offset=" + n;
  if (measure_dir) marker += " measure=1";
  return {MarkedBashLine(marker, timeout, line), timeout};
}

RemoteCommandLine DetachedCommands::Kill(std::string_view dir) {
  const std::string line =
      "p=$(cat " + DirWord(dir) +
      "/pid 2>/dev/null); if [ -n \"$p\" ] && [ \"$p\" -gt 1 ]; then "
      "pkill -KILL -s \"$p\"; fi; echo \"spark-control-killed pid=${p:-none}\"";
  const Duration timeout = std::chrono::seconds(20);
  return {MarkedBashLine("spark-control-kill dir=" + std::string(dir), timeout, line), timeout};
}

}  // namespace spark
