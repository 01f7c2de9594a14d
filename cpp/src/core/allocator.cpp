#include "theta_net/core/allocator.hpp"

#include <algorithm>
#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace theta_net {

FreedMemoryPolicy freed_memory_policy(std::size_t bytes) {
  constexpr std::size_t kMaxMmapThreshold = 32u << 20;  // glibc: 4 MiB * sizeof(long) on 64-bit
  // Never below glibc's own starting points: a small budget must not make it hand back more.
  constexpr std::size_t kGlibcDefault = 128u << 10;
  FreedMemoryPolicy p;
  p.trim_threshold = std::clamp<std::size_t>(bytes, kGlibcDefault, INT_MAX);  // an int in mallopt
  p.mmap_threshold = std::clamp(bytes / 16, kGlibcDefault, kMaxMmapThreshold);
  return p;
}

bool keep_freed_memory(std::size_t bytes) {
  if (bytes == 0) return true;
#if defined(__GLIBC__)
  const FreedMemoryPolicy p = freed_memory_policy(bytes);
  // Setting either disables glibc's dynamic adjustment of both, so both are set.
  const bool trim = mallopt(M_TRIM_THRESHOLD, static_cast<int>(p.trim_threshold)) == 1;
  const bool mmap = mallopt(M_MMAP_THRESHOLD, static_cast<int>(p.mmap_threshold)) == 1;
  return trim && mmap;
#else
  return false;
#endif
}

}  // namespace theta_net
