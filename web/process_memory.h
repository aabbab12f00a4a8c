#pragma once
// The process-wide memory settings of spark-control, applied first thing in main(), before any
// thread starts or any library initialises itself: what an idle process keeps resident
// (docs/benchmarks.md, "Idle RSS"). Part of the binary, not of a library: the GnuTLS hook it
// defines (process_memory.cc) must be a symbol of the executable.

namespace spark {

// At most this many malloc arenas. glibc's default is 8 per core, each a heap of its own that
// keeps what its threads freed; ~100 request threads would spread over all of them.
inline constexpr int kMallocArenas = 2;

// Bounds the malloc arenas and initialises OpenSSL without its error-string tables (libcurl's
// and libssh2's own initialisation would load them: ~0.5 MB resident; errors then name their
// codes, `error:0A000086:lib(20)::reason(134)`, instead). Call once, before any thread starts.
void ApplyProcessMemorySettings();

}  // namespace spark
