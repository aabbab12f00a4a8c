#include "web/sse_follow.h"

#include <algorithm>
#include <optional>

namespace spark {

uint64_t ResumeAfter(const Request& request, uint64_t otherwise) {
  return ParseDecimal(request.Header("Last-Event-ID")).value_or(otherwise);
}

void FollowOnSse(SseStream& stream, const Clock& clock, ChangeFeed& feed, const SseSource& source) {
  uint64_t seen = feed.version();
  auto last_write = clock.Now();
  if (!stream.Comment("connected")) return;
  std::optional<SteadyTime> last_publish;
  while (!stream.stopping()) {
    if (last_publish && source.spacing > Duration::zero()) {
      clock.SleepUntil(*last_publish + source.spacing);
      if (stream.stopping()) return;
    }
    last_publish = clock.Now();
    const SsePublish published = source.publish();
    if (published == SsePublish::kDone) return;
    if (published == SsePublish::kWrote) last_write = clock.Now();
    if (clock.Now() - last_write >= kSsePingEvery) {
      if (!stream.Comment("ping")) return;
      last_write = clock.Now();
    }
    SteadyTime deadline = last_write + kSsePingEvery;
    if (source.due) {
      if (const auto due = source.due()) deadline = std::min(deadline, *due);
    }
    if (deadline > clock.Now()) {
      seen = feed.WaitNewer(seen, clock, deadline, [&] { return stream.stopping(); });
    }
  }
}

}  // namespace spark
