#include "exporter/connectivity_event.h"

#include <nlohmann/json.hpp>

#include "exporter/time_format.h"

namespace spark {

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kTransition:
      return "transition";
    case EventType::kRecovery:
      return "recovery";
    case EventType::kReport:
      break;
  }
  return "report";
}

std::optional<EventType> ParseEventType(std::string_view name) {
  if (name == "transition") return EventType::kTransition;
  if (name == "report") return EventType::kReport;
  if (name == "recovery") return EventType::kRecovery;
  return std::nullopt;
}

std::string EncodeEvent(const ConnectivityEvent& event) {
  nlohmann::ordered_json j;
  j["id"] = event.id;
  j["ts"] = FormatRfc3339(event.ts);
  j["service"] = event.service;
  j["type"] = EventTypeName(event.type);
  j["ok"] = event.ok;
  j["source"] = event.source;
  j["error"] = event.error.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(event.error);
  j["ms"] = event.ms ? nlohmann::ordered_json(*event.ms) : nlohmann::ordered_json();
  if (!event.cluster.empty()) j["cluster"] = event.cluster;
  if (!event.action.empty()) j["action"] = event.action;
  if (!event.reason.empty()) j["reason"] = event.reason;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<ConnectivityEvent> DecodeEvent(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  auto bad = [](std::string what) {
    return Status::Error(ErrorCode::kInvalidEvent, std::move(what));
  };
  if (!j.is_object()) return bad("not a JSON object");
  ConnectivityEvent e;
  const auto id = j.find("id");
  if (id == j.end() || !id->is_number_unsigned() || id->get<uint64_t>() == 0) return bad("id");
  e.id = id->get<uint64_t>();
  const auto ts = j.find("ts");
  if (ts == j.end() || !ts->is_string()) return bad("ts");
  const auto when = ParseRfc3339(ts->get<std::string>());
  if (!when) return bad("ts");
  e.ts = *when;
  const auto service = j.find("service");
  if (service == j.end() || !service->is_string()) return bad("service");
  e.service = service->get<std::string>();
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return bad("type");
  const auto parsed_type = ParseEventType(type->get<std::string>());
  if (!parsed_type) return bad("type");
  e.type = *parsed_type;
  const auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) return bad("ok");
  e.ok = ok->get<bool>();
  if (const auto s = j.find("source"); s != j.end() && s->is_string())
    e.source = s->get<std::string>();
  if (const auto s = j.find("error"); s != j.end() && s->is_string())
    e.error = s->get<std::string>();
  if (const auto s = j.find("ms"); s != j.end() && s->is_number()) e.ms = s->get<double>();
  if (const auto s = j.find("cluster"); s != j.end() && s->is_string())
    e.cluster = s->get<std::string>();
  if (const auto s = j.find("action"); s != j.end() && s->is_string())
    e.action = s->get<std::string>();
  if (const auto s = j.find("reason"); s != j.end() && s->is_string())
    e.reason = s->get<std::string>();
  return e;
}

}  // namespace spark
