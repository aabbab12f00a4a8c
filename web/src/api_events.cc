// GET /api/events (query the connectivity log) and GET /api/events/stream (SSE).
#include <charconv>

#include "web/app.h"
#include "web/json_api.h"
#include "web/status_json.h"

namespace spark {
namespace {

constexpr size_t kMaxLimit = 1000;
constexpr auto kPingEvery = std::chrono::seconds(15);
constexpr auto kStateSpacing = std::chrono::seconds(1);

std::optional<uint64_t> ParseUnsigned(std::string_view s) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

Result<EventQuery> ParseEventQuery(const Request& request) {
  EventQuery query;
  std::string value;
  if (request.Query("since", value)) {
    query.since = ParseUnsigned(value);
    if (!query.since) {
      return Status::Error(ErrorCode::kInvalidField, "`since` must be an event id (a whole number)",
                           "since");
    }
  }
  if (request.Query("service", value)) query.service = value;
  if (request.Query("type", value)) {
    query.type = ParseEventType(value);
    if (!query.type) {
      return Status::Error(ErrorCode::kInvalidField, "`type` must be transition or report", "type");
    }
  }
  if (request.Query("limit", value)) {
    const auto limit = ParseUnsigned(value);
    if (!limit || *limit < 1 || *limit > kMaxLimit) {
      return Status::Error(ErrorCode::kInvalidField,
                           "`limit` must be a whole number from 1 to 1000", "limit");
    }
    query.limit = static_cast<size_t>(*limit);
  }
  return query;
}

// Sends every event after `last_id`, page by page; false when the client is gone.
bool SendEventsAfter(EventLog& log, uint64_t& last_id, SseStream& stream) {
  while (true) {
    EventQuery query;
    query.since = last_id;
    query.limit = kMaxLimit;
    const auto events = log.Find(query);
    for (const auto& event : events) {
      if (!stream.Send("event", std::to_string(event.id), EncodeEvent(event))) return false;
      last_id = event.id;
    }
    if (events.size() < kMaxLimit) return true;
  }
}

void StreamEvents(App& app, const Request& request, SseStream& stream) {
  // Where to start: a reconnecting EventSource's Last-Event-ID wins over the ?since= of the
  // URL it was first opened with; without either, the next event.
  uint64_t last_id = app.events.last_id();
  std::string since;
  if (request.Query("since", since)) {
    if (const auto value = ParseUnsigned(since)) last_id = *value;
  }
  if (const auto resume = ParseUnsigned(request.Header("Last-Event-ID"))) last_id = *resume;
  auto send_state = [&] { return stream.Send("state", "", DumpJson(StatusDocument(app))); };
  uint64_t seen = app.changes.version();
  if (!stream.Comment("connected") || !SendEventsAfter(app.events, last_id, stream) ||
      !send_state()) {
    return;
  }
  uint64_t state_version = StatusVersion(app);
  auto last_state = app.clock.Now();
  auto last_write = last_state;
  while (!stream.stopping()) {
    const auto now = app.clock.Now();
    Duration wait = kPingEvery - (now - last_write);
    const bool state_pending = StatusVersion(app) != state_version;
    if (state_pending) wait = std::min<Duration>(wait, kStateSpacing - (now - last_state));
    if (wait > Duration::zero()) {
      seen = app.changes.WaitNewer(seen, app.clock, now + wait, [&] { return stream.stopping(); });
    }
    if (stream.stopping()) return;
    const uint64_t before = last_id;
    if (!SendEventsAfter(app.events, last_id, stream)) return;
    if (last_id != before) last_write = app.clock.Now();
    const uint64_t version = StatusVersion(app);
    if (version != state_version && app.clock.Now() - last_state >= kStateSpacing) {
      if (!send_state()) return;
      state_version = version;
      last_state = last_write = app.clock.Now();
    }
    if (app.clock.Now() - last_write >= kPingEvery) {
      if (!stream.Comment("ping")) return;
      last_write = app.clock.Now();
    }
  }
}

// GET /api/events. A query that needs the files queues for the reader pool; when its queue
// is full the client is told to come back instead of holding a request thread (api-notes).
Response FindEvents(App& app, const Request& request) {
  auto query = ParseEventQuery(request);
  if (!query.ok()) return StatusResponse(query.status());
  auto found = app.events.TryFind(*query);
  if (!found.ok()) {
    Response busy = StatusResponse(found.status());
    busy.headers.emplace_back("Retry-After", "1");
    return busy;
  }
  const auto& events = *found;
  const uint64_t next =
      events.empty() ? query->since.value_or(app.events.last_id()) : events.back().id;
  Response response;
  response.body = EventsJson(events, next);
  return response;
}

}  // namespace

void AddEventRoutes(App& app, std::vector<Route>& routes) {
  Route find;
  find.method = "GET";
  find.pattern = "/api/events";
  find.handle = [&app](const Request& request) { return FindEvents(app, request); };
  routes.push_back(std::move(find));
  Route stream;
  stream.method = "GET";
  stream.pattern = "/api/events/stream";
  stream.stream = [&app](const Request& request, SseStream& out) {
    StreamEvents(app, request, out);
  };
  routes.push_back(std::move(stream));
}

}  // namespace spark
