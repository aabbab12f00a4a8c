// One line of DATA/events.jsonl as the event log reads it: the index's quick look at its first
// fields (PeekEventLine) and the full decode (DecodeEvent). Anything that is not a complete
// event is an error, never a crash; a decoded event is written back (EncodeEvent) to one line
// that decodes to the same event, and whose quick look gives the event's id, type and service,
// so a filtered query never skips a line it should return.
#include <cmath>

#include "exporter/connectivity_event.h"
#include "exporter/event_file.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

namespace {

void RequirePeekAgrees(std::string_view line, const ConnectivityEvent& event) {
  const auto key = PeekEventLine(line);
  Require(key.has_value(), "a written line is read by the index's quick look");
  Require(key->id == event.id && key->type == event.type, "the quick look reads id and type");
  Require(!key->plain_service || key->service == event.service, "the quick look reads service");
  for (const std::string& service : {std::string(), event.service}) {
    for (const auto type : {std::optional<EventType>(), std::optional(event.type)}) {
      const EventFilter filter{service, type};
      Require(filter.Matches(event) && filter.MayMatch(*key), "a matching line is never skipped");
    }
  }
}

}  // namespace

void FuzzEventsLine(std::string_view input) {
  (void)PeekEventLine(input);
  const auto event = DecodeEvent(input);
  if (!event.ok()) {
    Require(event.status().code() == ErrorCode::kInvalidEvent,
            "an unreadable line is invalid_event");
    return;
  }
  Require(event->id > 0, "an event id starts at 1");
  const std::string line = EncodeEvent(*event);
  Require(line.find('\n') == std::string::npos, "an event is one line");
  const auto again = DecodeEvent(line);
  Require(again.ok(), "a written event reads back");
  Require(again->id == event->id && again->service == event->service &&
              again->type == event->type && again->ok == event->ok &&
              again->source == event->source && again->error == event->error &&
              (again->ms == event->ms || !std::isfinite(*event->ms)),
          "a written event reads back the same (a non-finite ms is written as null)");
  Require(EncodeEvent(*again) == line, "a written event is written the same again");
  RequirePeekAgrees(line, *event);
}

}  // namespace spark::fuzz
