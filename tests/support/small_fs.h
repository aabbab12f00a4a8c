#pragma once
// A tiny tmpfs the test mounts itself, to make a data dir full or read-only for real (CI runs
// as root, where chmod stops nothing — PITFALLS.md). Needs CAP_SYS_ADMIN: `mounted()` is
// false, with the reason in `error()`, when mount(2) is refused; tests then skip.
// Linux refuses to remount read-only while any file on it is open for writing (EBUSY), so a
// running process's data dir cannot turn read-only under it: remount while it is stopped.

#include <filesystem>
#include <string>

#include "support/process.h"

namespace spark::test {

class SmallFilesystem {
 public:
  explicit SmallFilesystem(size_t bytes);
  ~SmallFilesystem();  // lazy unmount
  SmallFilesystem(const SmallFilesystem&) = delete;
  SmallFilesystem& operator=(const SmallFilesystem&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::filesystem::path& path() const { return dir_.path(); }

  // Writes a filler file until the filesystem is full (ENOSPC); returns the bytes written.
  size_t Fill();
  // Removes the filler.
  void Free();
  // mount -o remount,ro / rw; empty on success, else the reason.
  std::string RemountReadOnly(bool read_only);

 private:
  TempDir dir_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace spark::test
