#include "exporter/event_log.h"

#include <sys/stat.h>

#include <algorithm>

namespace spark {
namespace fs = std::filesystem;
namespace {

// An event line is longer than this (its fixed fields alone are), so a file of
// max_file_bytes never needs more index entries than LiveBlocks() gives.
constexpr uint64_t kMinLineBytes = 64;

EventFilter FilterOf(const EventQuery& query) {
  return {query.service, query.type, query.cluster, query.default_cluster};
}

// Events with id > since from the chunks, oldest first, up to `limit`.
std::vector<ConnectivityEvent> ChunksForward(
    const std::vector<std::shared_ptr<const EventChunk>>& ring, const EventFilter& filter,
    uint64_t since, size_t limit) {
  std::vector<ConnectivityEvent> out;
  for (const auto& chunk : ring) {
    const size_t size = chunk->size.load(std::memory_order_acquire);
    if (size == 0 || chunk->events[size - 1].id <= since) continue;
    for (size_t i = 0; i < size; ++i) {
      const ConnectivityEvent& e = chunk->events[i];
      if (e.id <= since || !filter.Matches(e)) continue;
      out.push_back(e);
      if (out.size() == limit) return out;
    }
  }
  return out;
}

// The newest matching events from the chunks, newest first, up to `limit`.
std::vector<ConnectivityEvent> ChunksBackward(
    const std::vector<std::shared_ptr<const EventChunk>>& ring, const EventFilter& filter,
    size_t limit) {
  std::vector<ConnectivityEvent> out;
  for (auto chunk = ring.rbegin(); chunk != ring.rend(); ++chunk) {
    for (size_t i = (*chunk)->size.load(std::memory_order_acquire); i-- > 0;) {
      const ConnectivityEvent& e = (*chunk)->events[i];
      if (!filter.Matches(e)) continue;
      out.push_back(e);
      if (out.size() == limit) return out;
    }
  }
  return out;
}

}  // namespace

EventLog::EventLog(EventLogOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  std::lock_guard lock(append_mu_);
  if (!options_.dir.empty()) {
    (void)EnsureDirectory(options_.dir);
    for (int n = options_.keep_rotated; n >= 1; --n) {
      struct stat st {};
      if (::stat(RotatedPath(n).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (auto file = EventFile::Open(RotatedPath(n), static_cast<uint64_t>(st.st_size), 0)) {
        files_.push_back(std::move(file));
      }
    }
    bool unused = false;
    if (!OpenActiveLocked(unused).ok()) {
      // A data dir that cannot be written (read-only at start) still serves what it holds,
      // and ids still continue after it.
      struct stat st {};
      if (::stat(ActivePath().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        if (auto file = EventFile::Open(ActivePath(), static_cast<uint64_t>(st.st_size), 0)) {
          files_.push_back(std::move(file));
        }
      }
    }
    // Ids continue after the largest id any file ends with, so none repeats even when the
    // active file is empty (just rotated) or ends in lines that cannot be read.
    uint64_t last = 0;
    for (const auto& file : files_) last = std::max(last, file->LastIdOnDisk());
    last_id_.store(last, std::memory_order_release);
    ring_complete_ = last == 0;
  }
  PublishLocked();
}

fs::path EventLog::ActivePath() const { return options_.dir / "events.jsonl"; }

fs::path EventLog::RotatedPath(int n) const {
  return options_.dir / ("events." + std::to_string(n) + ".jsonl");
}

size_t EventLog::LiveBlocks() const {
  return static_cast<size_t>(options_.max_file_bytes / (EventFile::kBlockLines * kMinLineBytes)) +
         2;
}

Status EventLog::OpenActiveLocked(bool& view_changed) {
  Status status = file_.Open(ActivePath());
  if (!status.ok()) return status;
  if (active_ && active_->IsAt(ActivePath())) return Status::Ok();  // a rotation kept the file
  auto file = EventFile::Open(ActivePath(), file_.size(), LiveBlocks());
  if (!file) {
    file_.Close();
    return Status::Error(ErrorCode::kIoError, "cannot read " + ActivePath().string());
  }
  active_ = file;
  // The same file opened read-only while it could not be written is replaced, not repeated.
  std::erase_if(files_, [&](const auto& f) { return f->IsAt(ActivePath()); });
  files_.push_back(std::move(file));
  const size_t keep = static_cast<size_t>(std::max(0, options_.keep_rotated)) + 1;
  if (files_.size() > keep) files_.erase(files_.begin(), files_.end() - keep);
  view_changed = true;
  return Status::Ok();
}

Status EventLog::RotateLocked(bool& view_changed) {
  file_.Close();
  std::error_code ec;
  fs::remove(RotatedPath(options_.keep_rotated), ec);
  for (int n = options_.keep_rotated - 1; n >= 1; --n) {
    if (fs::exists(RotatedPath(n), ec)) fs::rename(RotatedPath(n), RotatedPath(n + 1), ec);
  }
  if (options_.keep_rotated >= 1) {
    fs::rename(ActivePath(), RotatedPath(1), ec);
  } else {
    fs::remove(ActivePath(), ec);
  }
  // Readers that hold the old active file keep reading it through its own descriptor.
  return OpenActiveLocked(view_changed);
}

Status EventLog::WriteLocked(const ConnectivityEvent& event, bool& view_changed) {
  const std::string line = EncodeEvent(event);
  Status status = Status::Ok();
  if (!file_.is_open()) status = OpenActiveLocked(view_changed);
  if (status.ok() && file_.size() > 0 && file_.size() + line.size() + 1 > options_.max_file_bytes) {
    status = RotateLocked(view_changed);
  }
  if (!status.ok()) return status;
  const uint64_t offset = file_.size();
  status = file_.Append(line);
  if (!status.ok()) return status;
  last_id_.store(event.id, std::memory_order_release);  // before a reader can see the event
  active_->Add(event, offset, line.size() + 1);
  return status;
}

void EventLog::KeepInMemoryLocked(const ConnectivityEvent& event, bool& view_changed) {
  if (!ring_.empty()) {
    EventChunk& chunk = *ring_.back();
    const size_t size = chunk.size.load(std::memory_order_relaxed);
    if (size < EventChunk::kCapacity) {
      chunk.events[size] = event;
      chunk.size.store(size + 1, std::memory_order_release);
      return;
    }
  }
  auto chunk = std::make_shared<EventChunk>();
  chunk->events[0] = event;
  chunk->size.store(1, std::memory_order_release);
  ring_.push_back(std::move(chunk));
  const size_t max_chunks =
      (options_.ring_capacity + EventChunk::kCapacity - 1) / EventChunk::kCapacity + 1;
  if (ring_.size() > max_chunks) {
    ring_.erase(ring_.begin());
    ring_complete_ = false;
  }
  view_changed = true;
}

void EventLog::PublishLocked() {
  auto view = std::make_shared<View>();
  view->ring.assign(ring_.begin(), ring_.end());
  view->ring_complete = ring_complete_;
  view->files.assign(files_.begin(), files_.end());
  std::lock_guard lock(view_mu_);
  view_ = std::move(view);
}

std::shared_ptr<const EventLog::View> EventLog::CurrentView() const {
  std::lock_guard lock(view_mu_);
  return view_;
}

Result<ConnectivityEvent> EventLog::Append(ConnectivityEvent event) {
  {
    std::lock_guard lock(append_mu_);
    event.id = last_id_.load(std::memory_order_relaxed) + 1;
    event.ts = clock_.WallNow();
    bool view_changed = false;
    if (!options_.dir.empty()) {
      const Status status = WriteLocked(event, view_changed);
      if (!status.ok()) {
        if (view_changed) PublishLocked();
        dropped_disk_.fetch_add(1, std::memory_order_relaxed);
        CountFor(event.cluster, &Counters::dropped_disk);
        return Status::Error(ErrorCode::kStorageFailed,
                             "the connectivity log could not be written: " + status.message());
      }
    }
    last_id_.store(event.id, std::memory_order_release);
    KeepInMemoryLocked(event, view_changed);
    if (view_changed) PublishLocked();
    CountType(event);
  }
  feed_.Bump();
  return event;
}

std::optional<std::vector<ConnectivityEvent>> EventLog::FromMemory(const EventQuery& query,
                                                                   const View& view,
                                                                   uint64_t last_id) {
  const size_t limit = std::max<size_t>(1, query.limit);
  const EventFilter filter = FilterOf(query);
  const auto& ring = view.ring;
  if (query.since) {
    const uint64_t since = *query.since;
    if (since >= last_id) return std::vector<ConnectivityEvent>{};  // e.g. an up-to-date stream
    const bool in_memory = view.ring_complete || view.files.empty() ||
                           (!ring.empty() && ring.front()->events[0].id <= since + 1);
    if (!in_memory) return std::nullopt;
    return ChunksForward(ring, filter, since, limit);
  }
  std::vector<ConnectivityEvent> out = ChunksBackward(ring, filter, limit);
  if (out.size() < limit && !view.ring_complete && !view.files.empty()) return std::nullopt;
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<ConnectivityEvent> EventLog::FromFiles(const EventQuery& query, const View& view) {
  const size_t limit = std::max<size_t>(1, query.limit);
  const EventFilter filter = FilterOf(query);
  std::vector<ConnectivityEvent> out;
  if (query.since) {
    for (const auto& file : view.files) {
      file->Forward(filter, *query.since, limit, out);
      if (out.size() >= limit) break;
    }
    return out;
  }
  for (auto file = view.files.rbegin(); file != view.files.rend(); ++file) {
    (*file)->Backward(filter, limit, out);
    if (out.size() >= limit) break;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Result<std::vector<ConnectivityEvent>> EventLog::Query(const EventQuery& query,
                                                       ReaderPool::WhenFull when_full) const {
  const std::shared_ptr<const View> view = CurrentView();
  if (auto answer = FromMemory(query, *view, last_id())) return std::move(*answer);
  if (options_.readers == nullptr) return FromFiles(query, *view);
  std::vector<ConnectivityEvent> out;
  if (options_.readers->Run([&] { out = FromFiles(query, *view); }, when_full)) return out;
  if (when_full == ReaderPool::WhenFull::kWait) return FromFiles(query, *view);  // stopped
  return Status::Error(ErrorCode::kOverloaded,
                       "too many reads of the connectivity log's files are waiting; retry later");
}

std::vector<ConnectivityEvent> EventLog::Find(const EventQuery& query) const {
  return std::move(Query(query, ReaderPool::WhenFull::kWait)).value();
}

Result<std::vector<ConnectivityEvent>> EventLog::TryFind(const EventQuery& query) const {
  return Query(query, ReaderPool::WhenFull::kRefuse);
}

void EventLog::CountFor(const std::string& cluster, uint64_t Counters::*counter) {
  std::lock_guard lock(counts_mu_);
  by_cluster_[cluster].*counter += 1;
}

EventLog::Counters EventLog::counters(const std::string& cluster) const {
  std::lock_guard lock(counts_mu_);
  const auto it = by_cluster_.find(cluster);
  return it == by_cluster_.end() ? Counters{} : it->second;
}

EventLog::Counters EventLog::counters() const {
  return {transitions_.load(std::memory_order_relaxed), reports_.load(std::memory_order_relaxed),
          dropped_disk_.load(std::memory_order_relaxed),
          recoveries_.load(std::memory_order_relaxed)};
}

void EventLog::CountType(const ConnectivityEvent& event) {
  switch (event.type) {
    case EventType::kTransition:
      transitions_.fetch_add(1, std::memory_order_relaxed);
      return CountFor(event.cluster, &Counters::transitions);
    case EventType::kRecovery:
      recoveries_.fetch_add(1, std::memory_order_relaxed);
      return CountFor(event.cluster, &Counters::recoveries);
    case EventType::kReport:
      break;
  }
  reports_.fetch_add(1, std::memory_order_relaxed);
  CountFor(event.cluster, &Counters::reports);
}

}  // namespace spark
