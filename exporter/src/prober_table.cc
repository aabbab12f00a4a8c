#include <array>
#include <utility>

#include "exporter/probe.h"

namespace spark {

std::string ProbeTarget::BaseUrl() const {
  if (!configured()) return {};
  return "http://" + host + ":" + std::to_string(port);
}

Prober ProberForKind(std::string_view kind) {
  static constexpr std::array<std::pair<std::string_view, Prober>, 3> kTable = {{
      {"llm", &ProbeVllm},
      {"stt", &ProbeHealth},
      {"tts", &ProbeHealth},
  }};
  for (const auto& [name, prober] : kTable) {
    if (name == kind) return prober;
  }
  return nullptr;
}

}  // namespace spark
