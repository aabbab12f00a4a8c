#include "controller/container_report.h"

#include <array>

#include "controller/update_report.h"
#include "remote_words.h"

namespace spark {
namespace {

constexpr std::string_view kInspectEnd = "spark-control-inspect-end";
// The states docker's .State.Status takes.
constexpr std::array<std::string_view, 7> kContainerStates = {
    "created", "running", "paused", "restarting", "removing", "exited", "dead"};
// docker's zero time: a container that never finished.
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00";
// No boot time is later than this (year 2286); a larger number is garbage.
constexpr uint64_t kMaxEpoch = 9'999'999'999;
constexpr size_t kMaxErrorBytes = 200;

Status Garbage(std::string_view what) {
  return Status::Error(ErrorCode::kInvalidField, std::string(what), "container");
}

bool IsKnownState(std::string_view status) {
  for (const std::string_view state : kContainerStates) {
    if (state == status) return true;
  }
  return false;
}

// docker's ExitCode: 0–255, or -1 (docker's "unknown").
std::optional<int> ParseExitCode(std::string_view text) {
  if (text == "-1") return -1;
  const auto n = text.size() <= 3 ? ParseCount(text) : std::nullopt;
  if (!n || *n > 255) return std::nullopt;
  return static_cast<int>(*n);
}

// `boot N` / `boot -`.
Status ReadBoot(std::string_view rest, ContainerReport& report) {
  report.boot_epoch_s.reset();
  if (rest == "-") return Status::Ok();
  const auto n = ParseCount(rest);
  if (!n || *n > kMaxEpoch) return Garbage("the inspect's boot line is no epoch time");
  report.boot_epoch_s = static_cast<int64_t>(*n);
  return Status::Ok();
}

// `container STATUS EXIT OOM FINISHED`, `container missing`, `container error TEXT`.
Status ReadContainer(std::string_view rest, ContainerReport& report) {
  if (rest == "error" || rest.starts_with("error ")) {
    std::string text(rest.substr(std::min<size_t>(rest.size(), 6)).substr(0, kMaxErrorBytes));
    for (char& c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    return Status::Error(ErrorCode::kRemoteCommandFailed,
                         "docker inspect failed: " + (text.empty() ? "no reason given" : text));
  }
  // A later container line replaces an earlier one whole.
  report.missing = rest == "missing";
  report.status.clear();
  report.exit_code = 0;
  report.oom_killed = false;
  report.finished_at.reset();
  if (report.missing) return Status::Ok();
  const auto words = SplitWords(rest, 5);
  if (words.size() != 4 || !IsKnownState(words[0])) {
    return Garbage("the inspect's container line is no STATUS EXIT OOM FINISHED");
  }
  const auto exit_code = ParseExitCode(words[1]);
  if (!exit_code) return Garbage("the inspect's exit code is no number from -1 to 255");
  if (words[2] != "true" && words[2] != "false") {
    return Garbage("the inspect's OOMKilled is neither true nor false");
  }
  std::optional<WallTime> finished;
  if (!words[3].starts_with(kZeroTime)) {
    finished = ParseDockerTime(words[3]);
    if (!finished) return Garbage("the inspect's FinishedAt is no docker time");
  }
  report.status = std::string(words[0]);
  report.exit_code = *exit_code;
  report.oom_killed = words[2] == "true";
  report.finished_at = finished;
  return Status::Ok();
}

// One line of the inspect; unknown keys are ignored, a known key without its words is not.
Status ReadInspectLine(std::string_view line, ContainerReport& report, bool& seen_container) {
  const size_t space = line.find(' ');
  const std::string_view key = line.substr(0, space);
  const std::string_view rest = space == line.npos ? std::string_view() : line.substr(space + 1);
  if (key == "boot") return ReadBoot(rest, report);
  if (key == "container") {
    seen_container = true;
    return ReadContainer(rest, report);
  }
  if (key == "engine_dead") {
    if (rest != "0" && rest != "1") return Garbage("the inspect's engine_dead is neither 0 nor 1");
    report.engine_dead = rest == "1";
  }
  return Status::Ok();
}

}  // namespace

Result<ContainerReport> ParseContainerReport(std::string_view out) {
  ContainerReport report;
  bool seen_container = false;
  for (size_t at = 0; at < out.size();) {
    const std::string_view line = NextLine(out, at);
    if (line == kInspectEnd) {
      if (!seen_container) return Garbage("the inspect printed no container line");
      return report;
    }
    if (Status s = ReadInspectLine(line, report, seen_container); !s.ok()) return s;
  }
  return Garbage("the inspect's output ended early (no end line)");
}

}  // namespace spark
