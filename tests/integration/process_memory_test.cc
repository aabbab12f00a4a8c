// What an idle spark-control keeps resident (docs/benchmarks.md, "Idle RSS"): the two levers
// that hold without a measurement, checked on the built binary. The figures themselves come
// from bench/run on the Release build (an ASan build's memory says nothing about them).
#include <elf.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/process.h"

namespace spark::test {
namespace {

// The size of the executable's own thread-local storage block (PT_TLS), 0 when it has none.
// glibc sets this block up in every thread it starts (~100 of them: CivetWeb's pool), so each
// byte of it is resident once per thread.
long StaticTlsBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) return -1;
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_phentsize != sizeof(Elf64_Phdr)) {
    return -1;
  }
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  if (!in.read(reinterpret_cast<char*>(segments.data()),
               static_cast<std::streamsize>(segments.size() * sizeof(Elf64_Phdr)))) {
    return -1;
  }
  for (const Elf64_Phdr& segment : segments) {
    if (segment.p_type == PT_TLS) return static_cast<long>(segment.p_memsz);
  }
  return 0;
}

TEST(ProcessMemory, ThreadsCarryNoLargeThreadLocalBuffers) {
  // A 32 KiB thread_local read buffer once cost 3.3 MB across the threads of an idle process.
  const long bytes = StaticTlsBytes(SPARK_CONTROL_BIN);
  ASSERT_GE(bytes, 0) << "cannot read the program headers of " << SPARK_CONTROL_BIN;
  EXPECT_LE(bytes, 1024) << "thread_local storage is set up in every thread";
}

TEST(ProcessMemory, GnuTlsSkipsItsImplicitInitialisation) {
  // The dynamic linker reports where libgnutls's constructor finds its skip hook: in the
  // executable (process_memory.cc), not in libgnutls itself.
  TempDir logs;
  ChildProcess child({SPARK_CONTROL_BIN, "--version"}, {{"LD_DEBUG", "bindings"}},
                     (logs / "err").string());
  ASSERT_EQ(child.Wait(10000), 0);
  std::ifstream in(logs / "err");
  const std::string trace((std::istreambuf_iterator<char>(in)), {});
  const size_t at = trace.find("`_gnutls_global_init_skip'");
  ASSERT_NE(at, std::string::npos) << "libgnutls never looked up its skip hook";
  const size_t from = trace.rfind('\n', at) + 1;  // npos + 1 == 0: the first line
  const std::string line = trace.substr(from, trace.find('\n', at) - from);
  EXPECT_NE(line.find(" to " + std::string(SPARK_CONTROL_BIN) + " ["), std::string::npos) << line;
}

}  // namespace
}  // namespace spark::test
