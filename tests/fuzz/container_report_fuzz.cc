// The recovery's inspect output (ParseContainerReport) as the executor delivers it. A read
// report is either missing (no status, no exit, no finish) or holds one of docker's seven
// states, an exit code from -1 to 255, and a finish time FormatRfc3339 can print; a boot time
// is not negative. An unread one is invalid_field naming `container`, or remote_command_failed
// (docker's own error) with a printable message.
#include <string>

#include "controller/container_report.h"
#include "exporter/time_format.h"
#include "fuzz_lines.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

bool KnownContainerState(const std::string& status) {
  for (const char* state :
       {"created", "running", "paused", "restarting", "removing", "exited", "dead"}) {
    if (status == state) return true;
  }
  return false;
}

void CheckContainerReport(const ContainerReport& report) {
  Require(!report.boot_epoch_s || *report.boot_epoch_s >= 0, "a boot time is not negative");
  if (report.missing) {
    Require(
        report.status.empty() && report.exit_code == 0 && !report.oom_killed && !report.finished_at,
        "a missing container has no state");
    return;
  }
  Require(KnownContainerState(report.status), "the status is one of docker's seven");
  Require(report.exit_code >= -1 && report.exit_code <= 255, "an exit code is -1 to 255");
  if (report.finished_at) {
    Require(!FormatRfc3339(*report.finished_at).empty(), "a finish time prints");
  }
}

}  // namespace

void FuzzContainerReport(std::string_view input) {
  std::string joined;
  for (const std::string& line : ExecutorLines(input)) joined += line + "\n";
  for (std::string_view out : {input, std::string_view(joined)}) {
    const auto report = ParseContainerReport(out);
    if (report.ok()) {
      CheckContainerReport(*report);
      continue;
    }
    const Status status = report.status();  // a copy: the range below must outlive the loop
    if (status.code() == ErrorCode::kRemoteCommandFailed) {
      for (const char c : status.message()) {
        Require(c >= 0x20 && c < 0x7f, "docker's error reaches the API printable");
      }
      continue;
    }
    Require(status.code() == ErrorCode::kInvalidField && status.field() == "container",
            "an unread inspect is invalid_field naming container");
  }
}

}  // namespace spark::fuzz
