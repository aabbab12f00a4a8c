#pragma once
// The connectivity log: poller transitions and client reports in one stream with ids
// that increase by one and never repeat, across restarts too. Kept in a bounded in-memory
// ring and in DATA/events.jsonl (rotated by size to events.N.jsonl, each file indexed by
// EventFile). Thread-safe: one appender at a time; readers work on an immutable view of
// chunks and files, so neither waits for the other.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "exporter/change_feed.h"
#include "exporter/clock.h"
#include "exporter/connectivity_event.h"
#include "exporter/event_file.h"
#include "exporter/file_io.h"
#include "exporter/reader_pool.h"
#include "exporter/status.h"

namespace spark {

struct EventQuery {
  std::optional<uint64_t> since{};  // events with id > since, oldest first; else the newest
  std::string service{};            // empty = any
  std::optional<EventType> type{};  // nullopt = any
  size_t limit = 100;
  // Only this cluster's events; nullopt = every cluster's. A line written before events named
  // their cluster is the default cluster's: set `default_cluster` when `cluster` is that one.
  std::optional<std::string> cluster{};
  bool default_cluster = false;
};

struct EventLogOptions {
  std::filesystem::path dir;          // holds events.jsonl; empty = memory only (tests)
  size_t ring_capacity = 5000;        // at least this many newest events stay in memory
  uint64_t max_file_bytes = 8 << 20;  // rotate when the active file would exceed this
  int keep_rotated = 4;               // events.1.jsonl … events.N.jsonl
  // Sets max_file_bytes so that the active file and the rotated ones together stay within
  // `total` bytes (config events.max_bytes); a file rotates before a line would pass its share.
  void LimitTotalBytes(uint64_t total) {
    max_file_bytes = total / static_cast<uint64_t>(std::max(keep_rotated, 0) + 1);
  }
  // Runs the queries that read the files (not owned; outlives the log); nullptr = they run on
  // the caller's thread. Queries served from memory never queue.
  ReaderPool* readers = nullptr;
};

// Events in memory, 64 to a chunk, written once in order by the appender: readers scan
// events [0, size) without a lock while appends go on.
struct EventChunk {
  static constexpr size_t kCapacity = 64;
  std::array<ConnectivityEvent, kCapacity> events;
  std::atomic<size_t> size{0};
};

class EventLog {
 public:
  // Opens the log, reading only the ends of the files to continue ids (start-up stays fast
  // however long the log is; a file is indexed when a query first needs it). A missing or
  // unwritable dir is not fatal: appends fail with storage_failed until it becomes writable.
  EventLog(EventLogOptions options, const Clock& clock);
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Assigns the next id and the timestamp, appends the line with one write(2) and only
  // then makes the event visible. On a write failure nothing is stored, the id is not
  // used, and the disk-drop counter grows. Never waits for a reader.
  Result<ConnectivityEvent> Append(ConnectivityEvent event);

  // Serves from memory when it covers the request, else from the indexed files on a thread
  // of the reader pool: the cost follows the result, not the size of the log. Any thread,
  // alongside appends and rotation. Waits for room in the pool's queue (for callers whose
  // number is bounded, e.g. event streams); reads on the caller's thread once it has stopped.
  std::vector<ConnectivityEvent> Find(const EventQuery& query) const;
  // Find for a caller that must not wait for room: a query that needs the files while the
  // pool's queue is full (or the pool has stopped) reads nothing and fails with `overloaded`.
  Result<std::vector<ConnectivityEvent>> TryFind(const EventQuery& query) const;

  // The id of the last append; no reader sees a larger one.
  uint64_t last_id() const { return last_id_.load(std::memory_order_acquire); }
  // Bumped after every append; SSE streams wait on it.
  ChangeFeed& feed() { return feed_; }

  struct Counters {
    uint64_t transitions = 0;
    uint64_t reports = 0;
    uint64_t dropped_disk = 0;
    uint64_t recoveries = 0;
  };
  Counters counters() const;
  // The same, of the events that named `cluster` (appended since this process started).
  Counters counters(const std::string& cluster) const;

 private:
  // What readers see: replaced as a whole (under view_mu_) when a chunk or file comes or goes.
  struct View {
    std::vector<std::shared_ptr<const EventChunk>> ring;  // oldest first
    bool ring_complete = true;  // no event older than the ring's first exists anywhere
    std::vector<std::shared_ptr<const EventFile>> files;  // oldest first, the active one last
  };

  std::filesystem::path ActivePath() const;
  std::filesystem::path RotatedPath(int n) const;
  size_t LiveBlocks() const;
  Status WriteLocked(const ConnectivityEvent& event, bool& view_changed);
  Status OpenActiveLocked(bool& view_changed);
  Status RotateLocked(bool& view_changed);
  void KeepInMemoryLocked(const ConnectivityEvent& event, bool& view_changed);
  void PublishLocked();
  std::shared_ptr<const View> CurrentView() const;
  Result<std::vector<ConnectivityEvent>> Query(const EventQuery& query,
                                               ReaderPool::WhenFull when_full) const;
  static std::optional<std::vector<ConnectivityEvent>> FromMemory(const EventQuery& query,
                                                                  const View& view,
                                                                  uint64_t last_id);
  static std::vector<ConnectivityEvent> FromFiles(const EventQuery& query, const View& view);

  const EventLogOptions options_;
  const Clock& clock_;
  std::mutex append_mu_;  // serialises appends; guards everything up to view_mu_
  AppendFile file_;
  std::shared_ptr<EventFile> active_;
  std::vector<std::shared_ptr<EventFile>> files_;  // oldest first
  std::vector<std::shared_ptr<EventChunk>> ring_;  // oldest first
  bool ring_complete_ = true;
  mutable std::mutex view_mu_;  // held only to copy or replace view_
  std::shared_ptr<const View> view_;
  std::atomic<uint64_t> last_id_{0};
  std::atomic<uint64_t> transitions_{0};
  std::atomic<uint64_t> reports_{0};
  std::atomic<uint64_t> dropped_disk_{0};
  std::atomic<uint64_t> recoveries_{0};
  void CountFor(const std::string& cluster, uint64_t Counters::*counter);
  void CountType(const ConnectivityEvent& event);  // the type's counters, total and cluster
  mutable std::mutex counts_mu_;                   // guards by_cluster_
  std::map<std::string, Counters, std::less<>> by_cluster_;
  ChangeFeed feed_;
};

}  // namespace spark
