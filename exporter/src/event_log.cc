#include "exporter/event_log.h"

#include <algorithm>
#include <charconv>
#include <fstream>

namespace spark {
namespace fs = std::filesystem;
namespace {

bool Matches(const ConnectivityEvent& e, const EventQuery& q) {
  if (!q.service.empty() && e.service != q.service) return false;
  if (q.type && e.type != *q.type) return false;
  return true;
}

// Reads the id from the start of a line we wrote (`{"id":N,`) without a full parse.
std::optional<uint64_t> PeekId(std::string_view line) {
  constexpr std::string_view kPrefix = "{\"id\":";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  uint64_t id = 0;
  const char* begin = line.data() + kPrefix.size();
  const auto [end, ec] = std::from_chars(begin, line.data() + line.size(), id);
  if (ec != std::errc() || end == begin) return std::nullopt;
  return id;
}

// The last `max_bytes` of a file split into complete lines.
std::vector<std::string> TailLines(const fs::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - static_cast<std::streamoff>(max_bytes));
  in.seekg(start);
  std::string data(static_cast<size_t>(size - start), '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  std::vector<std::string> lines;
  size_t pos = 0;
  if (start > 0) {  // the first line is probably cut
    const auto nl = data.find('\n');
    pos = nl == std::string::npos ? data.size() : nl + 1;
  }
  while (pos < data.size()) {
    const auto nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // torn last line
    lines.emplace_back(data, pos, nl - pos);
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

EventLog::EventLog(EventLogOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  if (options_.dir.empty()) return;
  (void)EnsureDirectory(options_.dir);
  (void)file_.Open(ActivePath());
  LoadTail();
}

fs::path EventLog::ActivePath() const { return options_.dir / "events.jsonl"; }

fs::path EventLog::RotatedPath(int n) const {
  return options_.dir / ("events." + std::to_string(n) + ".jsonl");
}

void EventLog::LoadTail() {
  constexpr size_t kTailBytes = 1 << 20;
  // Newest file first; stop at the first that holds a readable event.
  for (int n = 0; n <= options_.keep_rotated; ++n) {
    const fs::path path = n == 0 ? ActivePath() : RotatedPath(n);
    std::vector<ConnectivityEvent> events;
    for (const std::string& line : TailLines(path, kTailBytes)) {
      auto decoded = DecodeEvent(line);
      if (decoded.ok()) events.push_back(std::move(decoded).value());
    }
    if (events.empty()) continue;
    for (auto& e : events) {
      last_id_ = std::max(last_id_, e.id);
      ring_.push_back(std::move(e));
      if (ring_.size() > options_.ring_capacity) ring_.pop_front();
    }
    ring_complete_ = false;  // older events may exist on disk
    return;
  }
}

Status EventLog::RotateLocked() {
  std::unique_lock files(files_mu_);
  file_.Close();
  std::error_code ec;
  fs::remove(RotatedPath(options_.keep_rotated), ec);
  for (int n = options_.keep_rotated - 1; n >= 1; --n) {
    if (fs::exists(RotatedPath(n), ec)) fs::rename(RotatedPath(n), RotatedPath(n + 1), ec);
  }
  if (options_.keep_rotated >= 1) fs::rename(ActivePath(), RotatedPath(1), ec);
  else fs::remove(ActivePath(), ec);
  return file_.Open(ActivePath());
}

Result<ConnectivityEvent> EventLog::Append(ConnectivityEvent event) {
  {
    std::lock_guard lock(mu_);
    event.id = last_id_ + 1;
    event.ts = clock_.WallNow();
    if (!options_.dir.empty()) {
      const std::string line = EncodeEvent(event);
      Status status = Status::Ok();
      if (!file_.is_open()) status = file_.Open(ActivePath());
      if (status.ok() && file_.size() > 0 && file_.size() + line.size() + 1 > options_.max_file_bytes) {
        status = RotateLocked();
      }
      if (status.ok()) status = file_.Append(line);
      if (!status.ok()) {
        ++counters_.dropped_disk;
        return Status::Error("storage_failed",
                             "the connectivity log could not be written: " + status.message());
      }
    }
    last_id_ = event.id;
    ++(event.type == EventType::kTransition ? counters_.transitions : counters_.reports);
    ring_.push_back(event);
    if (ring_.size() > options_.ring_capacity) {
      ring_.pop_front();
      ring_complete_ = false;
    }
  }
  feed_.Bump();
  return event;
}

std::vector<ConnectivityEvent> EventLog::Find(const EventQuery& query) const {
  const size_t limit = std::max<size_t>(1, query.limit);
  {
    std::lock_guard lock(mu_);
    std::vector<ConnectivityEvent> out;
    if (query.since) {
      const bool covered = ring_complete_ || (!ring_.empty() && *query.since + 1 >= ring_.front().id) ||
                           *query.since >= last_id_;
      if (covered) {
        for (const auto& e : ring_) {
          if (e.id > *query.since && Matches(e, query)) {
            out.push_back(e);
            if (out.size() == limit) break;
          }
        }
        return out;
      }
    } else {
      for (auto it = ring_.rbegin(); it != ring_.rend() && out.size() < limit; ++it) {
        if (Matches(*it, query)) out.push_back(*it);
      }
      if (out.size() == limit || ring_complete_) {
        std::reverse(out.begin(), out.end());
        return out;
      }
    }
  }
  return FindOnDisk(query);
}

std::vector<ConnectivityEvent> EventLog::FindOnDisk(const EventQuery& query) const {
  const size_t limit = std::max<size_t>(1, query.limit);
  std::shared_lock files(files_mu_);
  std::deque<ConnectivityEvent> out;
  for (int n = options_.keep_rotated; n >= 0; --n) {
    std::ifstream in(n == 0 ? ActivePath() : RotatedPath(n), std::ios::binary);
    std::string line;
    while (in && std::getline(in, line)) {
      if (in.eof()) break;  // no newline: a line being written right now
      const auto id = PeekId(line);
      if (!id || (query.since && *id <= *query.since)) continue;
      auto decoded = DecodeEvent(line);
      if (!decoded.ok() || !Matches(*decoded, query)) continue;
      out.push_back(std::move(decoded).value());
      if (query.since) {
        if (out.size() == limit) return {out.begin(), out.end()};
      } else if (out.size() > limit) {
        out.pop_front();
      }
    }
  }
  return {out.begin(), out.end()};
}

uint64_t EventLog::last_id() const {
  std::lock_guard lock(mu_);
  return last_id_;
}

EventLog::Counters EventLog::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

}  // namespace spark
