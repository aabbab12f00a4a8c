#include "controller/vllm_log.h"

#include <charconv>

namespace spark {
namespace {

// The number right before "%" after `from`, as tqdm prints it ("  40%", "100%").
std::optional<double> PercentAfter(std::string_view line, size_t from) {
  const size_t pct = line.find('%', from);
  if (pct == std::string_view::npos) return std::nullopt;
  size_t begin = pct;
  while (begin > from && line[begin - 1] >= '0' && line[begin - 1] <= '9') --begin;
  if (begin == pct) return std::nullopt;
  int value = 0;
  std::from_chars(line.data() + begin, line.data() + pct, value);
  if (value > 100) return std::nullopt;
  return value;
}

}  // namespace

VllmLogSignal ParseVllmLogLine(std::string_view line) {
  using Kind = VllmLogSignal::Kind;
  if (line.find("Application startup complete.") != std::string_view::npos) {
    return {Kind::kReady, std::nullopt};
  }
  if (line.find("EngineDeadError") != std::string_view::npos ||
      line.find("Engine core initialization failed") != std::string_view::npos) {
    return {Kind::kFatal, std::nullopt};
  }
  if (line.starts_with("Traceback (most recent call last)") ||
      line.find(" Traceback (most recent call last)") != std::string_view::npos) {
    return {Kind::kTraceback, std::nullopt};
  }
  if (const size_t at = line.find("Loading safetensors checkpoint shards:");
      at != std::string_view::npos) {
    return {Kind::kLoading, PercentAfter(line, at)};
  }
  if (line.find("Capturing CUDA graphs") != std::string_view::npos) {
    return {Kind::kGraphs, std::nullopt};
  }
  return {};
}

}  // namespace spark
