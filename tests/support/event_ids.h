#pragma once
// The ids of a list of connectivity events, in order: what the event-log tests compare.

#include <cstdint>
#include <vector>

#include "exporter/connectivity_event.h"

namespace spark::test {

inline std::vector<uint64_t> Ids(const std::vector<ConnectivityEvent>& events) {
  std::vector<uint64_t> ids;
  ids.reserve(events.size());
  for (const auto& e : events) ids.push_back(e.id);
  return ids;
}

}  // namespace spark::test
