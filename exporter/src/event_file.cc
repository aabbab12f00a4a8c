#include "exporter/event_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

namespace spark {
namespace {

constexpr uint64_t kReadChunk = 1 << 20;       // bytes read at a time going forward
constexpr uint64_t kBackwardChunk = 64 << 10;  // going backward (mostly to find one line)

uint32_t TypeBit(EventType type) { return 1u << static_cast<int>(type); }

// A name JSON writes as it is: printable ASCII without quote or backslash.
bool IsPlainName(std::string_view name) {
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; });
}

// The bytes [begin, end) of `fd`; fewer when the file is shorter or a read fails.
std::string ReadRange(int fd, uint64_t begin, uint64_t end) {
  std::string data(end - begin, '\0');
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pread(fd, data.data() + done, data.size() - done, static_cast<off_t>(begin + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  data.resize(done);
  return data;
}

// Calls fn(line, offset) for each complete line in [begin, end), which starts at a line
// start, in order, until fn returns false. A last line without its newline is left out.
template <typename Fn>
void ForEachLine(int fd, uint64_t begin, uint64_t end, Fn&& fn) {
  std::string buffer;
  uint64_t buffer_begin = begin;
  for (uint64_t pos = begin; pos < end;) {
    const std::string data = ReadRange(fd, pos, std::min(end, pos + kReadChunk));
    if (data.empty()) return;
    pos += data.size();
    buffer += data;
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!fn(std::string_view(buffer).substr(start, nl - start), buffer_begin + start)) return;
    }
    buffer.erase(0, start);
    buffer_begin += start;
  }
}

// Calls fn(line) for each complete line in [begin, end), which starts at a line start,
// last line first, until fn returns false. Bytes after the last newline are left out.
template <typename Fn>
void ForEachLineBackward(int fd, uint64_t begin, uint64_t end, Fn&& fn) {
  std::string rest;      // the bytes after `pos` not passed to fn yet: the start of a line and '\n'
  bool torn_end = true;  // no newline seen yet: what was read is a line without its end
  for (uint64_t pos = end; pos > begin;) {
    const uint64_t from = pos - std::min(pos - begin, kBackwardChunk);
    std::string text = ReadRange(fd, from, pos);
    if (text.size() != pos - from) return;
    pos = from;
    text += rest;
    size_t line_end = text.size() - 1;  // the '\n' ending the line to pass next
    if (torn_end) {
      const auto nl = text.rfind('\n');
      if (nl == std::string::npos) {
        rest.clear();
        continue;
      }
      line_end = nl;
      torn_end = false;
    }
    while (line_end > 0) {
      const auto prev = text.rfind('\n', line_end - 1);
      if (prev == std::string::npos) break;  // this line may start before `pos`
      if (!fn(std::string_view(text).substr(prev + 1, line_end - prev - 1))) return;
      line_end = prev;
    }
    rest = text.substr(0, line_end + 1);
  }
  if (!torn_end && !rest.empty()) fn(std::string_view(rest).substr(0, rest.size() - 1));
}

// Reads the start of a line we wrote, field by field.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}
  bool Skip(std::string_view literal) {
    if (text_.substr(0, literal.size()) != literal) return false;
    text_.remove_prefix(literal.size());
    return true;
  }
  bool Number(uint64_t& value) {
    const auto [end, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), value);
    if (ec != std::errc() || end == text_.data()) return false;
    text_.remove_prefix(static_cast<size_t>(end - text_.data()));
    return true;
  }
  // The raw contents of a string whose opening quote was read; consumes the closing one.
  bool String(std::string_view& raw, bool& escaped) {
    escaped = false;
    for (size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\\') {
        escaped = true;
        ++i;
      } else if (text_[i] == '"') {
        raw = text_.substr(0, i);
        text_.remove_prefix(i + 1);
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view text_;
};

}  // namespace

std::optional<EventLineKey> PeekEventLine(std::string_view line) {
  LineCursor cursor(line);
  EventLineKey key;
  std::string_view ts;
  std::string_view type;
  bool escaped = false;
  bool service_escaped = false;
  if (!cursor.Skip("{\"id\":") || !cursor.Number(key.id) || key.id == 0 ||
      !cursor.Skip(",\"ts\":\"") || !cursor.String(ts, escaped) ||
      !cursor.Skip(",\"service\":\"") || !cursor.String(key.service, service_escaped) ||
      !cursor.Skip(",\"type\":\"") || !cursor.String(type, escaped)) {
    return std::nullopt;
  }
  const auto parsed = ParseEventType(type);
  if (!parsed) return std::nullopt;
  key.type = *parsed;
  key.plain_service = !service_escaped && IsPlainName(key.service);
  return key;
}

bool EventFilter::MayMatch(const EventLineKey& key) const {
  if (type && key.type != *type) return false;
  return service.empty() || !key.plain_service || key.service == service;
}

bool EventFilter::Matches(const ConnectivityEvent& event) const {
  if (cluster && (event.cluster.empty() ? !default_cluster : event.cluster != *cluster)) {
    return false;
  }
  return (service.empty() || event.service == service) && (!type || event.type == *type);
}

uint64_t ServiceBits::Intern(std::string_view name) {
  if (!IsPlainName(name)) return kOther;
  const size_t size = size_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < size; ++i) {
    if (names_[i] == name) return uint64_t{1} << i;
  }
  if (size == names_.size()) return kOther;
  names_[size] = name;
  size_.store(size + 1, std::memory_order_release);
  return uint64_t{1} << size;
}

uint64_t ServiceBits::Lookup(std::string_view name) const {
  if (!IsPlainName(name)) return kOther;
  const size_t size = size_.load(std::memory_order_acquire);
  for (size_t i = 0; i < size; ++i) {
    if (names_[i] == name) return uint64_t{1} << i;
  }
  return size == names_.size() ? kOther : 0;
}

std::shared_ptr<EventFile> EventFile::Open(const std::filesystem::path& path,
                                           uint64_t existing_bytes, size_t live_blocks) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  std::shared_ptr<EventFile> file(new EventFile(fd, existing_bytes, live_blocks));
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    file->device_ = st.st_dev;
    file->inode_ = st.st_ino;
  }
  return file;
}

EventFile::EventFile(int fd, uint64_t existing_bytes, size_t live_blocks)
    : fd_(fd),
      head_bytes_(existing_bytes),
      live_capacity_(live_blocks),
      live_(new EventBlock[live_blocks]),  // default-initialised: pages are touched when used
      size_(existing_bytes) {
  open_.begin = open_.end = existing_bytes;
}

EventFile::~EventFile() { ::close(fd_); }

bool EventFile::IsAt(const std::filesystem::path& path) const {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_dev) == device_ &&
         static_cast<uint64_t>(st.st_ino) == inode_;
}

void EventFile::Add(const ConnectivityEvent& event, uint64_t offset, uint64_t bytes) {
  if (open_lines_ == 0) open_ = {offset, offset, open_.max_id, 0, 0};
  open_.end = offset + bytes;
  open_.max_id = std::max(open_.max_id, event.id);
  open_.services |= live_services_.Intern(event.service);
  open_.types |= TypeBit(event.type);
  ++open_lines_;
  size_.store(open_.end, std::memory_order_release);
  const size_t count = live_count_.load(std::memory_order_relaxed);
  if (open_lines_ >= kBlockLines && count < live_capacity_) {
    live_[count] = open_;
    live_count_.store(count + 1, std::memory_order_release);
    open_lines_ = 0;
  }
}

const EventFile::Head& EventFile::IndexedHead() const {
  std::call_once(head_once_, [this] {
    EventBlock block{0, 0, 0, 0, 0};
    size_t lines = 0;
    ForEachLine(fd_, 0, head_bytes_, [&](std::string_view line, uint64_t offset) {
      if (lines == 0) block = {offset, offset, block.max_id, 0, 0};
      block.end = offset + line.size() + 1;
      if (const auto key = PeekEventLine(line)) {
        block.max_id = std::max(block.max_id, key->id);
        block.services |=
            key->plain_service ? head_.services.Intern(key->service) : ServiceBits::kOther;
        block.types |= TypeBit(key->type);
      } else if (const auto event = DecodeEvent(line); event.ok()) {
        block.max_id = std::max(block.max_id, event->id);
        block.services |= head_.services.Intern(event->service);
        block.types |= TypeBit(event->type);
      }
      if (++lines == kBlockLines) {
        head_.blocks.push_back(block);
        lines = 0;
      }
      return true;
    });
    if (lines > 0) head_.blocks.push_back(block);
  });
  return head_;
}

EventFile::Extent EventFile::CurrentExtent() const {
  const Head& head = IndexedHead();
  const size_t count = live_count_.load(std::memory_order_acquire);
  const uint64_t size = size_.load(std::memory_order_acquire);
  Extent extent{{head.blocks.data(), head.blocks.size(), &head.services},
                {live_.get(), count, &live_services_},
                count > 0 ? live_[count - 1].end : head_bytes_,
                0};
  extent.tail_end = std::max(size, extent.tail_begin);
  return extent;
}

uint64_t EventFile::LastIdOnDisk() const {
  uint64_t id = 0;
  ForEachLineBackward(fd_, 0, size_.load(std::memory_order_acquire), [&](std::string_view line) {
    if (const auto key = PeekEventLine(line)) {
      id = key->id;
    } else if (const auto event = DecodeEvent(line); event.ok()) {
      id = event->id;
    }
    return id == 0;
  });
  return id;
}

namespace {

// Decodes `line` into `out` when it is an event that passes `filter` with id > since.
void TakeLine(std::string_view line, const EventFilter& filter, uint64_t since,
              std::vector<ConnectivityEvent>& out) {
  if (const auto key = PeekEventLine(line); key && (key->id <= since || !filter.MayMatch(*key))) {
    return;
  }
  auto event = DecodeEvent(line);
  if (event.ok() && event->id > since && filter.Matches(*event)) {
    out.push_back(std::move(event).value());
  }
}

uint64_t WantedServices(const EventFilter& filter, const ServiceBits& services) {
  return filter.service.empty() ? ~uint64_t{0} : services.Lookup(filter.service);
}

uint32_t WantedTypes(const EventFilter& filter) {
  return filter.type ? TypeBit(*filter.type) : ~uint32_t{0};
}

}  // namespace

void EventFile::Forward(const EventFilter& filter, uint64_t since, size_t limit,
                        std::vector<ConnectivityEvent>& out) const {
  if (out.size() >= limit) return;
  const Extent extent = CurrentExtent();
  auto take = [&](std::string_view line, uint64_t) {
    TakeLine(line, filter, since, out);
    return out.size() < limit;
  };
  for (const Region& region : {extent.head, extent.live}) {
    const uint64_t services = WantedServices(filter, *region.services);
    if (services == 0) continue;
    const uint32_t types = WantedTypes(filter);
    const EventBlock* const end = region.blocks + region.count;
    const EventBlock* block = std::partition_point(
        region.blocks, end, [since](const EventBlock& b) { return b.max_id <= since; });
    for (; block != end; ++block) {
      if ((block->services & services) == 0 || (block->types & types) == 0) continue;
      ForEachLine(fd_, block->begin, block->end, take);
      if (out.size() >= limit) return;
    }
  }
  ForEachLine(fd_, extent.tail_begin, extent.tail_end, take);
}

void EventFile::Backward(const EventFilter& filter, size_t limit,
                         std::vector<ConnectivityEvent>& out) const {
  if (out.size() >= limit) return;
  const Extent extent = CurrentExtent();
  auto take = [&](std::string_view line) {
    TakeLine(line, filter, 0, out);
    return out.size() < limit;
  };
  ForEachLineBackward(fd_, extent.tail_begin, extent.tail_end, take);
  for (const Region& region : {extent.live, extent.head}) {
    if (out.size() >= limit) return;
    const uint64_t services = WantedServices(filter, *region.services);
    if (services == 0) continue;
    const uint32_t types = WantedTypes(filter);
    for (size_t i = region.count; i-- > 0;) {
      const EventBlock& block = region.blocks[i];
      if ((block.services & services) == 0 || (block.types & types) == 0) continue;
      ForEachLineBackward(fd_, block.begin, block.end, take);
      if (out.size() >= limit) return;
    }
  }
}

}  // namespace spark
