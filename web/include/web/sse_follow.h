#pragma once
// Following changing state on a Server-Sent Events stream: where a reconnecting EventSource
// resumes (its Last-Event-ID), and the one loop every SSE route runs — replay, then follow a
// ChangeFeed, with a keep-alive ping on the Clock.

#include <cstdint>
#include <functional>
#include <optional>

#include "exporter/change_feed.h"
#include "exporter/clock.h"
#include "web/http.h"

namespace spark {

// A ": ping" comment goes out after this long without a write, so dead clients are noticed
// (PITFALLS.md, CivetWeb: one thread per connection).
inline constexpr Duration kSsePingEvery = std::chrono::seconds(15);

// The id in the request's Last-Event-ID header (ParseDecimal), or `otherwise` when the header
// is absent or not a whole number.
uint64_t ResumeAfter(const Request& request, uint64_t otherwise);

// What one call of SseSource::publish did.
enum class SsePublish {
  kNothing,  // nothing new to send
  kWrote,    // sent frames
  kDone,     // the stream is over: the client left or the last frame was sent
};

// What a route sends on its followed stream.
struct SseSource {
  // Sends what is new since the last call; the first call replays.
  std::function<SsePublish()> publish;
  // Optional: a time, earlier than the next ping, to publish again even without a change.
  std::function<std::optional<SteadyTime>()> due;
  // At most one publish per `spacing`: changes that come sooner are taken together by the
  // next one. Zero = publish on every change. A stream that follows a busy shared feed (the
  // events stream: every report of every cluster bumps it) wakes this often at most, instead
  // of once per change.
  Duration spacing{};
};

// Sends ": connected", then calls `source.publish`, sends ": ping" once kSsePingEvery passed
// without a write, and waits on `clock` for a newer version of `feed` (or the ping or due
// time) to publish again; returns when publish says kDone, a write fails, or the stream is
// stopping. Runs on (and holds) the request's thread.
void FollowOnSse(SseStream& stream, const Clock& clock, ChangeFeed& feed, const SseSource& source);

}  // namespace spark
