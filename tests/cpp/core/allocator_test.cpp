// keep_freed_memory: the figures it derives, and that glibc then serves a 2 MiB block from the
// heap and keeps it when freed (glibc's defaults mmap and unmap it).
#include "theta_net/core/allocator.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace theta_net {
namespace {

TEST(Allocator, PolicyFollowsTheBudgetWithinGlibcsLimits) {
  const FreedMemoryPolicy p = freed_memory_policy(64u << 20);
  EXPECT_EQ(p.trim_threshold, 64u << 20);
  EXPECT_EQ(p.mmap_threshold, 4u << 20);
  EXPECT_EQ(freed_memory_policy(std::size_t{1} << 30).mmap_threshold, 32u << 20);
  EXPECT_EQ(freed_memory_policy(std::size_t{8} << 30).trim_threshold, std::size_t{INT_MAX});
  const FreedMemoryPolicy tiny = freed_memory_policy(1024);  // never below glibc's defaults
  EXPECT_EQ(tiny.trim_threshold, 128u << 10);
  EXPECT_EQ(tiny.mmap_threshold, 128u << 10);
  EXPECT_TRUE(keep_freed_memory(0));
}

// A sanitizer's runtime replaces malloc: its mallopt refuses every setting (so keep_freed_memory
// says false) and glibc's figures no longer describe the heap.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define THETA_OWN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define THETA_OWN_MALLOC 1
#endif
#endif

#if defined(__GLIBC__) && !defined(THETA_OWN_MALLOC)
TEST(Allocator, FreedBlocksStayInTheHeap) {
  ASSERT_TRUE(keep_freed_memory(64u << 20));
  constexpr std::size_t kBlock = 2u << 20;
  const std::size_t mapped_before = mallinfo2().hblkhd;
  auto* block = static_cast<unsigned char*>(std::malloc(kBlock));
  ASSERT_NE(block, nullptr);
  std::memset(block, 0x5a, kBlock);
  asm volatile("" : : "r"(block) : "memory");  // the block escapes: no compiler may drop it
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before) << "the block was mmapped, not taken from the heap";
  std::free(block);
  EXPECT_GE(mallinfo2().fordblks, kBlock) << "the freed block went back to the kernel";
}
#endif

}  // namespace
}  // namespace theta_net
