#pragma once
// One entry of the connectivity log (API.md "Connectivity event").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

// transition: the poller saw a service go up or down; report: a client app's health report;
// recovery: a decision of the self-healing loop (action + reason).
enum class EventType { kTransition, kReport, kRecovery };

std::string_view EventTypeName(EventType type);
std::optional<EventType> ParseEventType(std::string_view name);

struct ConnectivityEvent {
  uint64_t id = 0;  // assigned by EventLog::Append
  WallTime ts{};    // assigned by EventLog::Append
  std::string service;
  EventType type = EventType::kReport;
  bool ok = false;
  std::string source;        // "poller" for transitions, the client's name for reports
  std::string error;         // empty = none
  std::optional<double> ms;  // latency the poller measured or the client reported
  // The cluster the service belongs to; empty in lines written before events named it (they
  // are the default cluster's). Written last, so the index's fast line reader is unchanged.
  std::string cluster;
  // Recovery events: one word (waiting|recovering|succeeded|failed|tripped|resumed|skipped|
  // held) and one sentence saying why. Empty for the other types; written after `cluster`, and
  // only when non-empty.
  std::string action;
  std::string reason;
};

// One JSON object on one line (no trailing newline), the format of events.jsonl and the API.
std::string EncodeEvent(const ConnectivityEvent& event);
// Inverse of EncodeEvent; an error for anything that is not a complete event line.
Result<ConnectivityEvent> DecodeEvent(std::string_view line);

}  // namespace spark
