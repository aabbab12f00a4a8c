#pragma once
// Every file the process writes goes through here (PITFALLS.md "Persistence"):
// whole files are replaced atomically, logs are appended one complete line per write(2).
// Every file it reads goes through ReadFile: regular files only, bounded in size.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "exporter/clock.h"
#include "exporter/status.h"

namespace spark {

// Replaces `path` with `contents`: temp file (0600) → fsync → rename → fsync(dir).
// On failure the old file is untouched and the Status says which step failed.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view contents);

// fsync(2) on the directory `dir` ("" = the working directory), so that a rename or a new
// name in it survives a crash. io_error naming the directory when it cannot be opened or
// synced.
Status SyncDirectory(const std::filesystem::path& dir);

// The default cap of ReadFile: config files, keys and catalogs are kilobytes.
inline constexpr uint64_t kDefaultMaxReadBytes = 16 << 20;

// Reads a whole regular file of at most `max_bytes`. Never blocks and never reads without
// bound: a FIFO, a device (/dev/zero), a socket or a directory is refused before it is read
// (symlinks are followed; their target must be a regular file). Errors: not_found (missing),
// invalid_file (not a regular file, or larger than `max_bytes`; the message names the path
// and the limit), io_error.
Result<std::string> ReadFile(const std::filesystem::path& path,
                             uint64_t max_bytes = kDefaultMaxReadBytes);

// What ReadFile checks, without reading: `path` names a regular file of at most `max_bytes`
// that this process may open. For files a library opens by name (libssh2's key file).
Status CheckRegularFile(const std::filesystem::path& path,
                        uint64_t max_bytes = kDefaultMaxReadBytes);

// Renames a file the process cannot use to `NAME.corrupt-YYYYMMDDTHHMMSSZ` and returns the
// new name, so the bad copy is kept for inspection.
Result<std::filesystem::path> SetAside(const std::filesystem::path& path, WallTime now);

// Removes temp files a killed process left behind by WriteFileAtomic.
void RemoveStaleTemps(const std::filesystem::path& dir);

// Creates `dir` (and parents) with mode 0700 when missing.
Status EnsureDirectory(const std::filesystem::path& dir);

// Rotates the log DIR/STEM.jsonl by size: STEM.jsonl becomes STEM.1.jsonl, older files move
// up one, STEM.KEEP.jsonl is dropped (keep 0 = the active file is removed). The caller has
// closed the active file and reopens it afterwards.
void RotateLogFiles(const std::filesystem::path& dir, std::string_view stem, int keep);

// An append-only file of complete lines. Not thread-safe: its owner serialises calls.
class AppendFile {
 public:
  AppendFile() = default;
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  // Opens (creating, 0600) for append; drops a torn last line left by a crash, all of it
  // however long (an error when that fails, so nothing is ever appended after a part line).
  Status Open(const std::filesystem::path& path);
  void Close();
  bool is_open() const { return fd_ >= 0; }
  // Writes `line` + '\n' with one write(2). A short write is rolled back (the file is
  // truncated to its old size) so no torn line stays behind; if that rollback fails, the
  // next Append retries it and fails rather than write after a part line. errno text in the
  // Status.
  Status Append(std::string_view line);
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  bool torn_ = false;  // a failed write may have left bytes after size_
};

}  // namespace spark
