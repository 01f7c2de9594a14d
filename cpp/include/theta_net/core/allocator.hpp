// How the process's malloc keeps freed memory. glibc's defaults suit short programs, not a
// netcode loop that frees and allocates ~256 KiB buffers many times a millisecond (an asset
// chunk read, encoded, framed and queued): blocks past 128 KiB (a threshold that rises to the
// largest such block freed) are mmapped and unmapped one by one, and free space at the top of
// the heap past twice that threshold goes back to the kernel. Every chunk then lands on fresh
// pages, and the page faults cost more than the copies: on the benchmark machine (a VM) they
// were ~27% of the game server's time during a 64 MiB download, which ran at half the speed it
// reaches with the memory kept (docs/benchmarks.md, "Assets lane").
#pragma once

#include <cstddef>

namespace theta_net {

// The figures keep_freed_memory applies: malloc serves blocks under `mmap_threshold` from the
// heap and returns the heap's free top to the kernel only past `trim_threshold`.
struct FreedMemoryPolicy {
  std::size_t trim_threshold = 0;
  std::size_t mmap_threshold = 0;
};

// What keep_freed_memory(bytes) sets: trim past `bytes`, heap blocks up to bytes / 16, neither
// below glibc's default of 128 KiB, the mmap threshold at most 32 MiB (glibc's ceiling).
FreedMemoryPolicy freed_memory_policy(std::size_t bytes);

// Lets the process keep up to `bytes` of freed heap for reuse instead of returning it to the
// kernel at once (glibc's mallopt M_TRIM_THRESHOLD and M_MMAP_THRESHOLD; process-wide, so an
// application calls it, not a library constructor). 0 changes nothing (and returns true); else it
// returns false when the C library is not glibc or refuses a value, true when both applied.
bool keep_freed_memory(std::size_t bytes);

}  // namespace theta_net
