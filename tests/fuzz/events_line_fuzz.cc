// One line of DATA/events.jsonl as the event log reads it (DecodeEvent). Anything that is not
// a complete event is an error, never a crash; a decoded event is written back (EncodeEvent)
// to one line that decodes to the same event.
#include <cmath>

#include "exporter/connectivity_event.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace spark::fuzz {

void FuzzEventsLine(std::string_view input) {
  const auto event = DecodeEvent(input);
  if (!event.ok()) {
    Require(event.status().code() == "invalid_event", "an unreadable line is invalid_event");
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
}

}  // namespace spark::fuzz
