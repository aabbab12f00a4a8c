// GET /api/events (query the connectivity log) and GET /api/events/stream (SSE).
#include "web/app.h"
#include "web/json_api.h"
#include "web/sse_follow.h"
#include "web/status_json.h"

namespace spark {
namespace {

constexpr size_t kMaxLimit = 1000;
constexpr auto kStateSpacing = std::chrono::seconds(1);
// The events stream publishes at most this often: a burst of reports (from any cluster: the
// feed is shared) goes out together, and 64 streams wake ~10 times a second, not 200.
constexpr auto kEventSpacing = std::chrono::milliseconds(100);

Result<EventQuery> ParseEventQuery(const Request& request) {
  EventQuery query;
  std::string value;
  if (request.Query("since", value)) {
    query.since = ParseDecimal(value);
    if (!query.since) {
      return Status::Error(ErrorCode::kInvalidField, "`since` must be an event id (a whole number)",
                           "since");
    }
  }
  if (request.Query("service", value)) query.service = value;
  if (request.Query("type", value)) {
    query.type = ParseEventType(value);
    if (!query.type) {
      return Status::Error(ErrorCode::kInvalidField,
                           "`type` must be transition, report or recovery", "type");
    }
  }
  if (request.Query("limit", value)) {
    const auto limit = ParseDecimal(value);
    if (!limit || *limit < 1 || *limit > kMaxLimit) {
      return Status::Error(ErrorCode::kInvalidField,
                           "`limit` must be a whole number from 1 to 1000", "limit");
    }
    query.limit = static_cast<size_t>(*limit);
  }
  return query;
}

// Narrows `query` to the cluster's events (a line written before events named their cluster
// is the default cluster's).
void SelectCluster(App& app, const Cluster& cluster, EventQuery& query) {
  query.cluster = cluster.name();
  query.default_cluster = app.clusters.Default().get() == &cluster;
}

// Names the cluster of events read from lines that did not.
void NameClusters(std::vector<ConnectivityEvent>& events, const std::string& unnamed) {
  for (auto& event : events) {
    if (event.cluster.empty()) event.cluster = unnamed;
  }
}

// Sends every event of the cluster after `last_id`, page by page; false when the client is
// gone. Past the last page, `last_id` moves to just before the log's end (other clusters'
// events are not read again): the newest id, `end`, may be an append still in progress —
// EventLog counts an id before its event is readable — so a later call reads that one again.
bool SendEventsAfter(App& app, Cluster& cluster, uint64_t& last_id, SseStream& stream) {
  while (true) {
    EventQuery query;
    query.since = last_id;
    query.limit = kMaxLimit;
    SelectCluster(app, cluster, query);
    const uint64_t end = app.events.last_id();
    auto events = app.events.Find(query);
    NameClusters(events, *query.cluster);
    for (const auto& event : events) {
      if (!stream.Send("event", std::to_string(event.id), EncodeEvent(event))) return false;
      last_id = event.id;
    }
    if (events.size() < kMaxLimit) {
      last_id = std::max(last_id, end > 0 ? end - 1 : 0);
      return true;
    }
  }
}

// The events stream: every event after the resume point, then a `state` frame (the full
// /api/status) whenever it changes, at most one per kStateSpacing.
class EventFollower {
 public:
  EventFollower(App& app, ClusterPtr cluster, uint64_t last_id)
      : app_(app), cluster_(std::move(cluster)), last_id_(last_id) {}

  SsePublish Publish(SseStream& stream) {
    if (cluster_->retired()) return SsePublish::kDone;  // removed from the configuration
    const uint64_t before = last_id_;
    if (!SendEventsAfter(app_, *cluster_, last_id_, stream)) return SsePublish::kDone;
    const uint64_t version = StatusVersion(app_, *cluster_);
    if (state_version_ != version &&
        (!last_state_ || app_.clock.Now() - *last_state_ >= kStateSpacing)) {
      if (!stream.Send("state", "", DumpJson(StatusDocument(app_, *cluster_)))) {
        return SsePublish::kDone;
      }
      state_version_ = version;
      last_state_ = app_.clock.Now();
      return SsePublish::kWrote;
    }
    return last_id_ != before ? SsePublish::kWrote : SsePublish::kNothing;
  }
  // A changed state waits out the spacing since the last one.
  std::optional<SteadyTime> StateDue() const {
    if (!last_state_ || StatusVersion(app_, *cluster_) == state_version_) return std::nullopt;
    return *last_state_ + kStateSpacing;
  }

 private:
  App& app_;
  ClusterPtr cluster_;
  uint64_t last_id_;
  std::optional<uint64_t> state_version_;  // sent last; none before the first
  std::optional<SteadyTime> last_state_;
};

void StreamEvents(App& app, const Request& request, SseStream& stream) {
  // Where to start: a reconnecting EventSource's Last-Event-ID wins over the ?since= of the
  // URL it was first opened with; without either, the next event.
  auto cluster = ClusterOf(app, request);
  if (!cluster.ok()) return stream.Refuse(StatusResponse(cluster.status()));
  uint64_t start = app.events.last_id();
  std::string since;
  if (request.Query("since", since)) start = ParseDecimal(since).value_or(start);
  EventFollower follower(app, std::move(cluster).value(), ResumeAfter(request, start));
  FollowOnSse(stream, app.clock, app.changes,
              {[&] { return follower.Publish(stream); }, [&] { return follower.StateDue(); },
               kEventSpacing});
}

// GET /api/events. A query that needs the files queues for the reader pool; when its queue
// is full the client is told to come back instead of holding a request thread (docs/api.md).
Response FindEvents(App& app, const Request& request) {
  auto query = ParseEventQuery(request);
  if (!query.ok()) return StatusResponse(query.status());
  auto cluster = ClusterOf(app, request);
  if (!cluster.ok()) return StatusResponse(cluster.status());
  SelectCluster(app, **cluster, query.value());
  auto found = app.events.TryFind(*query);
  if (!found.ok()) {
    Response busy = StatusResponse(found.status());
    busy.headers.emplace_back("Retry-After", "1");
    return busy;
  }
  auto& events = found.value();
  NameClusters(events, *query->cluster);
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
