#pragma once
// One file of the connectivity log (events.jsonl or a rotated events.N.jsonl), read through
// its own descriptor with a sparse index: one entry per block of 64 lines holding the block's
// byte range, the largest id up to it, and which services and types it holds. A `since` query
// seeks by binary search; a service or type filter skips blocks that cannot match and looks at
// each remaining line's first fields before decoding it, so a query costs about its result.
//
// Lines present when the file is opened are indexed by the first reader that needs them;
// lines appended later are indexed by the appender (Add), which publishes each index entry
// through atomics: readers never hold a lock the appender needs. A file that rotation renames
// or removes stays readable through the descriptor for as long as a reader holds it.

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/connectivity_event.h"

namespace spark {

// The fields of an event line that filters need, read from its start without decoding it
// (EncodeEvent writes `{"id":N,"ts":"…","service":"…","type":"…",…`).
struct EventLineKey {
  uint64_t id = 0;
  std::string_view service;    // as written, JSON escapes included
  bool plain_service = false;  // no escapes: `service` is the name itself
  EventType type = EventType::kReport;
};
// nullopt when the line does not start like that (it is then decoded to be sure).
std::optional<EventLineKey> PeekEventLine(std::string_view line);

// The service and type an EventQuery asks for.
struct EventFilter {
  std::string service;  // empty = any
  std::optional<EventType> type;
  std::optional<std::string> cluster = std::nullopt;  // nullopt = any
  bool default_cluster = false;  // `cluster` is the default one: unnamed lines match too
  // False only when a line with this key cannot match.
  bool MayMatch(const EventLineKey& key) const;
  bool Matches(const ConnectivityEvent& event) const;
};

// Service names of one index region, each with a bit (up to 63); kOther stands for any name
// beyond those or one that JSON escapes. One writer; readers on any thread.
class ServiceBits {
 public:
  static constexpr uint64_t kOther = uint64_t{1} << 63;
  // Writer only: the bit for `name`, adding it when there is room.
  uint64_t Intern(std::string_view name);
  // The bits a block holding `name` may carry (0: no block of this region holds it).
  uint64_t Lookup(std::string_view name) const;

 private:
  std::array<std::string, 63> names_;
  std::atomic<size_t> size_{0};
};

// One index entry: whole lines [begin, end) of the file.
struct EventBlock {
  uint64_t begin;
  uint64_t end;
  uint64_t max_id;    // the largest id in this block and every block before it
  uint64_t services;  // ServiceBits of the names in the block
  uint32_t types;     // bit (1 << EventType) per type in the block
};

class EventFile {
 public:
  static constexpr size_t kBlockLines = 64;

  // Opens `path` for reading; its first `existing_bytes` are indexed lazily, lines appended
  // after them through Add (room for `live_blocks` entries; beyond that the rest is read line
  // by line). nullptr when the file cannot be opened.
  static std::shared_ptr<EventFile> Open(const std::filesystem::path& path, uint64_t existing_bytes,
                                         size_t live_blocks);
  ~EventFile();
  EventFile(const EventFile&) = delete;
  EventFile& operator=(const EventFile&) = delete;

  // Appender only (one thread at a time): the line of `event` was just written whole at
  // [offset, offset + bytes), newline included, right after the previous one.
  void Add(const ConnectivityEvent& event, uint64_t offset, uint64_t bytes);
  // True when `path` names this very file (same device and inode).
  bool IsAt(const std::filesystem::path& path) const;

  // The id of the last line that carries one, read back from the end without indexing
  // (start-up); 0 when no line does.
  uint64_t LastIdOnDisk() const;
  // Appends to `out` the events with id > since that pass `filter`, in file order, until
  // `out` holds `limit`.
  void Forward(const EventFilter& filter, uint64_t since, size_t limit,
               std::vector<ConnectivityEvent>& out) const;
  // Appends to `out` the events that pass `filter`, newest first, until it holds `limit`.
  void Backward(const EventFilter& filter, size_t limit, std::vector<ConnectivityEvent>& out) const;

 private:
  struct Head {  // the lines that were there at Open, indexed once
    std::vector<EventBlock> blocks;
    ServiceBits services;
  };
  struct Region {  // a run of index entries and the service names they use
    const EventBlock* blocks;
    size_t count;
    const ServiceBits* services;
  };
  // Where a reader's view of the file ends: the indexed regions and the unindexed tail.
  struct Extent {
    Region head;
    Region live;
    uint64_t tail_begin;
    uint64_t tail_end;
  };

  EventFile(int fd, uint64_t existing_bytes, size_t live_blocks);
  const Head& IndexedHead() const;
  Extent CurrentExtent() const;

  const int fd_;
  uint64_t device_ = 0;
  uint64_t inode_ = 0;
  const uint64_t head_bytes_;
  mutable std::once_flag head_once_;
  mutable Head head_;

  // Written by the appender only; entries [0, live_count_) and bytes [0, size_) are
  // complete and never change again.
  const size_t live_capacity_;
  std::unique_ptr<EventBlock[]> live_;
  ServiceBits live_services_;
  std::atomic<size_t> live_count_{0};
  std::atomic<uint64_t> size_;
  EventBlock open_{};  // the block being filled (appender only)
  size_t open_lines_ = 0;
};

}  // namespace spark
