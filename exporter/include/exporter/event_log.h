#pragma once
// The connectivity log: poller transitions and client reports in one stream with ids
// that increase by one and continue across restarts. Kept in a bounded in-memory ring
// and in DATA/events.jsonl (rotated by size to events.N.jsonl). Thread-safe.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "exporter/change_feed.h"
#include "exporter/clock.h"
#include "exporter/connectivity_event.h"
#include "exporter/file_io.h"
#include "exporter/status.h"

namespace spark {

struct EventQuery {
  std::optional<uint64_t> since{};  // events with id > since, oldest first; else the newest
  std::string service{};            // empty = any
  std::optional<EventType> type{};  // nullopt = any
  size_t limit = 100;
};

struct EventLogOptions {
  std::filesystem::path dir;          // holds events.jsonl; empty = memory only (tests)
  size_t ring_capacity = 5000;
  uint64_t max_file_bytes = 8 << 20;  // rotate when the active file would exceed this
  int keep_rotated = 4;               // events.1.jsonl … events.N.jsonl
};

class EventLog {
 public:
  // Opens the log, reading only the tail of the newest file to continue ids (start-up
  // stays fast however long the log is). A missing or unwritable dir is not fatal:
  // appends fail with io_error until it becomes writable.
  EventLog(EventLogOptions options, const Clock& clock);
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Assigns the next id and the timestamp, appends the line with one write(2) and only
  // then makes the event visible. On a write failure nothing is stored, the id is not
  // used, and the disk-drop counter grows.
  Result<ConnectivityEvent> Append(ConnectivityEvent event);

  // Serves from the ring when it covers the request, else from the files on disk.
  std::vector<ConnectivityEvent> Find(const EventQuery& query) const;

  uint64_t last_id() const;
  // Bumped after every append; SSE streams wait on it.
  ChangeFeed& feed() { return feed_; }

  struct Counters {
    uint64_t transitions = 0;
    uint64_t reports = 0;
    uint64_t dropped_disk = 0;
  };
  Counters counters() const;

 private:
  std::filesystem::path ActivePath() const;
  std::filesystem::path RotatedPath(int n) const;
  void LoadTail();
  Status RotateLocked();
  std::vector<ConnectivityEvent> FindOnDisk(const EventQuery& query) const;

  const EventLogOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;                 // guards everything below
  mutable std::shared_mutex files_mu_;    // rotation (exclusive) vs. disk scans (shared)
  AppendFile file_;
  std::deque<ConnectivityEvent> ring_;
  uint64_t last_id_ = 0;
  bool ring_complete_ = true;             // the ring holds every event ever written
  Counters counters_;
  ChangeFeed feed_;
};

}  // namespace spark
