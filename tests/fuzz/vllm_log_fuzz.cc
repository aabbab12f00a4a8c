// vLLM's start-up log as the swap follows it, line by line (ParseVllmLogLine). A percentage
// comes only with a loading line and stays in [0, 100]; the ready line always wins; the
// prefixes docker and vLLM's processes put before a line never change its meaning.
#include "controller/vllm_log.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {
namespace {

void CheckLine(std::string_view line) {
  using Kind = VllmLogSignal::Kind;
  const VllmLogSignal signal = ParseVllmLogLine(line);
  if (signal.percent) {
    Require(signal.kind == Kind::kLoading, "only a loading line has a percentage");
    Require(*signal.percent >= 0 && *signal.percent <= 100, "a percentage is in [0, 100]");
  }
  if (line.find("Application startup complete.") != std::string_view::npos) {
    Require(signal.kind == Kind::kReady, "the ready line is ready whatever else it holds");
  }
  for (std::string_view prefix :
       {"(APIServer pid=1) ", "(EngineCore_DP0 pid=212) ", "2026-11-24T12:00:00.123456789Z "}) {
    const VllmLogSignal prefixed = ParseVllmLogLine(std::string(prefix) + std::string(line));
    Require(prefixed.kind == signal.kind && prefixed.percent == signal.percent,
            "a process or timestamp prefix does not change a line's meaning");
  }
}

}  // namespace

void FuzzVllmLog(std::string_view input) {
  while (!input.empty()) {
    const size_t end = input.find('\n');
    CheckLine(input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
}

}  // namespace spark::fuzz
