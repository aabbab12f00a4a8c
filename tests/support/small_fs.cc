#include "support/small_fs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace spark::test {

SmallFilesystem::SmallFilesystem(size_t bytes) {
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
  if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0) {
    mounted_ = true;
  } else {
    error_ = std::string("mount(2) of a tmpfs refused: ") + std::strerror(errno) +
             " (needs root / CAP_SYS_ADMIN)";
  }
}

SmallFilesystem::~SmallFilesystem() {
  if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
}

size_t SmallFilesystem::Fill() {
  const int fd = ::open((dir_.path() / "filler").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return 0;
  const std::vector<char> block(4096, 'x');
  size_t total = 0;
  // Bounded: the filesystem is small; 1 GiB is far past any size a test mounts.
  for (int i = 0; i < (1 << 18); ++i) {
    const ssize_t n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    total += static_cast<size_t>(n);
  }
  ::close(fd);
  return total;
}

void SmallFilesystem::Free() { ::unlink((dir_.path() / "filler").c_str()); }

std::string SmallFilesystem::RemountReadOnly(bool read_only) {
  unsigned long flags = MS_REMOUNT;
  if (read_only) flags |= MS_RDONLY;
  if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", flags, nullptr) == 0) return {};
  return std::string("remount failed: ") + std::strerror(errno);
}

}  // namespace spark::test
