#include "exporter/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

namespace spark {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kTempMarker = ".tmp-spark-";

Status Errno(std::string_view what, const fs::path& path) {
  return Status::Error(ErrorCode::kIoError,
                       std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

Status WriteAll(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Status SyncDirectory(const fs::path& dir) {
  const fs::path where = dir.empty() ? fs::path(".") : dir;
  const int fd = ::open(where.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open directory", where);
  Status status = ::fsync(fd) == 0 ? Status::Ok() : Errno("fsync directory", where);
  ::close(fd);
  return status;
}

Status WriteFileAtomic(const fs::path& path, std::string_view contents) {
  // A name of its own per call: two threads replacing files at once never share a temp file.
  static std::atomic<uint64_t> serial{0};
  const fs::path temp = path.string() + std::string(kTempMarker) + std::to_string(::getpid()) +
                        "-" + std::to_string(serial++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create", temp);
  Status status = WriteAll(fd, contents, temp);
  if (status.ok() && ::fsync(fd) != 0) status = Errno("fsync", temp);
  ::close(fd);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) status = Errno("rename", path);
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  // The new file is in place; a directory that cannot be synced only weakens durability.
  SyncDirectory(path.parent_path());
  return Status::Ok();
}

namespace {

const char* FileKind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Status CheckStat(const struct stat& st, const fs::path& path, uint64_t max_bytes) {
  if (!S_ISREG(st.st_mode)) {
    return Status::Error(ErrorCode::kInvalidFile, "cannot read " + path.string() + ": it is " +
                                                      FileKind(st.st_mode) +
                                                      ", not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Status::Error(ErrorCode::kInvalidFile,
                         "cannot read " + path.string() + ": it is larger than the " +
                             std::to_string(max_bytes) + "-byte limit for this file");
  }
  return Status::Ok();
}

Status OpenError(const fs::path& path) {
  const int e = errno;
  return Status::Error(e == ENOENT || e == ENOTDIR ? ErrorCode::kNotFound : ErrorCode::kIoError,
                       "cannot read " + path.string() + ": " + std::strerror(e));
}

// Opens a regular file for reading without ever blocking on it: stat first (nothing but a
// regular file is opened at all), then O_NONBLOCK and fstat again (it may have been replaced).
Result<int> OpenRegular(const fs::path& path, uint64_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return OpenError(path);
  if (Status s = CheckStat(st, path, max_bytes); !s.ok()) return s;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return OpenError(path);
  Status status = ::fstat(fd, &st) == 0 ? CheckStat(st, path, max_bytes) : Errno("stat", path);
  if (!status.ok()) {
    ::close(fd);
    return status;
  }
  return fd;
}

}  // namespace

Result<std::string> ReadFile(const fs::path& path, uint64_t max_bytes) {
  auto opened = OpenRegular(path, max_bytes);
  if (!opened.ok()) return opened.status();
  const int fd = *opened;
  std::string out;
  // On the heap: it runs on request threads, whose stacks are ~100 KiB (PITFALLS.md "Stack
  // depth"); a 64 KiB array there overflowed when PUT /api/config started a cluster.
  std::vector<char> buffer(64 * 1024);
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const Status s = Errno("read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {  // it grew after the check
      ::close(fd);
      return Status::Error(ErrorCode::kInvalidFile,
                           "cannot read " + path.string() + ": it is larger than the " +
                               std::to_string(max_bytes) + "-byte limit for this file");
    }
    out.append(buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status CheckRegularFile(const fs::path& path, uint64_t max_bytes) {
  auto opened = OpenRegular(path, max_bytes);
  if (!opened.ok()) return opened.status();
  ::close(*opened);
  return Status::Ok();
}

Result<fs::path> SetAside(const fs::path& path, WallTime now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  const fs::path target = path.string() + ".corrupt-" + stamp;
  if (::rename(path.c_str(), target.c_str()) != 0) return Errno("rename", path);
  return target;
}

void RemoveStaleTemps(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().find(kTempMarker) != std::string::npos) {
      fs::remove(entry.path(), ec);
    }
  }
}

Status EnsureDirectory(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  fs::create_directories(dir, ec);
  if (ec)
    return Status::Error(ErrorCode::kIoError,
                         "cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);
  return Status::Ok();
}

void RotateLogFiles(const fs::path& dir, std::string_view stem, int keep) {
  auto rotated = [&](int n) {
    return dir / (std::string(stem) + "." + std::to_string(n) + ".jsonl");
  };
  const fs::path active = dir / (std::string(stem) + ".jsonl");
  std::error_code ec;
  if (keep < 1) {
    fs::remove(active, ec);
    return;
  }
  fs::remove(rotated(keep), ec);
  for (int n = keep - 1; n >= 1; --n) {
    if (fs::exists(rotated(n), ec)) fs::rename(rotated(n), rotated(n + 1), ec);
  }
  fs::rename(active, rotated(1), ec);
}

AppendFile::~AppendFile() { Close(); }

void AppendFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  size_ = 0;
  torn_ = false;
}

namespace {

// Reads exactly `size` bytes at `offset`; false on an error or an early end of file.
bool PreadAll(int fd, char* data, size_t size, off_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, data, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return true;
}

// Where the file's complete lines end: just past its last newline, 0 when it has none,
// -1 when it cannot be read. Reads backwards in chunks, however long the torn line is.
off_t CompleteLinesEnd(int fd, off_t size) {
  constexpr off_t kChunk = 64 << 10;
  std::string buffer;
  for (off_t end = size; end > 0;) {
    const off_t begin = std::max<off_t>(0, end - kChunk);
    buffer.resize(static_cast<size_t>(end - begin));
    if (!PreadAll(fd, buffer.data(), buffer.size(), begin)) return -1;
    const auto nl = buffer.rfind('\n');
    if (nl != std::string::npos) return begin + static_cast<off_t>(nl) + 1;
    end = begin;
  }
  return 0;
}

}  // namespace

Status AppendFile::Open(const fs::path& path) {
  Close();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const Status s = Errno("stat", path);
    ::close(fd);
    return s;
  }
  off_t size = st.st_size;
  // Drop a torn last line (a crash between the start and the end of a write) entirely:
  // appending after any part of it would spoil the next line too.
  char last = '\n';
  if (size > 0 && (!PreadAll(fd, &last, 1, size - 1) || last != '\n')) {
    const off_t keep = CompleteLinesEnd(fd, size);
    if (keep < 0 || ::ftruncate(fd, keep) != 0) {
      const Status s = Errno("drop the torn last line of", path);
      ::close(fd);
      return s;
    }
    size = keep;
  }
  fd_ = fd;
  size_ = static_cast<uint64_t>(size);
  return Status::Ok();
}

Status AppendFile::Append(std::string_view line) {
  if (fd_ < 0) return Status::Error(ErrorCode::kIoError, "log file is not open");
  // A failed append whose rollback failed too: cut it off before anything follows it.
  if (torn_ && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    return Status::Error(
        ErrorCode::kIoError,
        std::string("a failed append could not be rolled back: ") + std::strerror(errno));
  }
  torn_ = false;
  std::string record;
  record.reserve(line.size() + 1);
  record.append(line);
  record.push_back('\n');
  ssize_t n;
  do {
    n = ::write(fd_, record.data(), record.size());
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(record.size())) {
    size_ += record.size();
    return Status::Ok();
  }
  const int saved = n < 0 ? errno : ENOSPC;
  // Back to the old size, whatever the failed write left behind.
  torn_ = ::ftruncate(fd_, static_cast<off_t>(size_)) != 0;
  return Status::Error(ErrorCode::kIoError, std::string("append failed: ") + std::strerror(saved));
}

}  // namespace spark
