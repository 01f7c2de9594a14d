// Compiler hints for the codec's hot loops, and the AVX2 and AVX-512 function targets.
#pragma once

#include <cstdint>

#if defined(__GNUC__) || defined(__clang__)
// For helpers in the decoders' hot loops: inlining keeps the bit reader in registers (an
// out-of-line call would take its address and force it to memory for the whole loop).
#define THETA_FORCE_INLINE inline __attribute__((always_inline))
#define THETA_NOINLINE __attribute__((noinline))
#define THETA_LIKELY(x) __builtin_expect(!!(x), 1)
#define THETA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define THETA_FORCE_INLINE inline
#define THETA_NOINLINE
#define THETA_LIKELY(x) (x)
#define THETA_UNLIKELY(x) (x)
#endif

// The SIMD kernels are compiled for x86-64-v3 through this function attribute only (the library
// itself targets baseline x86-64) and called after a run-time CPU check (cpu_features.hpp).
// Every function that uses AVX2 intrinsics carries it, including the small inline helpers.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define THETA_CODEC_HAVE_AVX2_KERNELS 1
#define THETA_AVX2_TARGET __attribute__((target("avx2,bmi,bmi2,popcnt,lzcnt")))
// The AVX-512 row kernel (fast_rows_avx512.cpp) also needs BW (16-bit lanes and masks) and VL
// (at 256 bits).
#define THETA_AVX512_TARGET \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx2,bmi,bmi2,popcnt,lzcnt")))
#else
#define THETA_CODEC_HAVE_AVX2_KERNELS 0
#define THETA_AVX2_TARGET
#define THETA_AVX512_TARGET
#endif

namespace theta_net::codec {

// cond ? a : b as a conditional move. For data-dependent choices (is this voxel's neighbour
// different?) a branch mispredicts about half the time, and GCC turns plain ternaries into
// branches more often than not.
inline __attribute__((always_inline)) std::uint32_t select(bool cond, std::uint32_t a,
                                                           std::uint32_t b) {
#if defined(__clang__)
  return __builtin_unpredictable(cond) ? a : b;  // clang emits cmov for this
#elif defined(__x86_64__) && defined(__GNUC__)
  const std::uint32_t c = cond;
  asm("test %1, %1\n\tcmovnz %2, %0" : "+r"(b) : "r"(c), "r"(a) : "cc");
  return b;
#else
  const std::uint32_t m = 0u - static_cast<std::uint32_t>(cond);
  return (a & m) | (b & ~m);
#endif
}

}  // namespace theta_net::codec
