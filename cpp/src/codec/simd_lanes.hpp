// AVX2 helpers over 16 lanes of uint16 (one 16-voxel row). Every helper carries
// THETA_AVX2_TARGET and is only called from AVX2 kernels, which run after a CPU check; the coders
// keep scalar paths with identical results for every other CPU.
#pragma once

#include "hot_path.hpp"

#if THETA_CODEC_HAVE_AVX2_KERNELS
#include <immintrin.h>

#include <cstdint>

#define THETA_SIMD_INLINE THETA_AVX2_TARGET inline __attribute__((always_inline))

namespace theta_net::codec::simd {

using Vec = __m256i;

THETA_SIMD_INLINE Vec load(const std::uint16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const Vec*>(p));
}
THETA_SIMD_INLINE void store(std::uint16_t* p, Vec v) {
  _mm256_storeu_si256(reinterpret_cast<Vec*>(p), v);
}
THETA_SIMD_INLINE Vec splat(std::uint16_t v) {
  return _mm256_set1_epi16(static_cast<short>(v));
}
THETA_SIMD_INLINE Vec eq(Vec a, Vec b) {
  return _mm256_cmpeq_epi16(a, b);
}

// One bit per lane.
THETA_SIMD_INLINE std::uint32_t mask(Vec m) {
  const __m128i packed = _mm_packs_epi16(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(packed));
}

// Lanes move up by kLanes (lane i receives lane i - kLanes); vacated lanes take values from
// `fill`, which must hold one value in all lanes.
template <int kLanes>
THETA_SIMD_INLINE Vec shift_up(Vec v, Vec fill) {
  const Vec carry = _mm256_permute2x128_si256(v, fill, 0x02);  // [fill.lo, v.lo]
  if constexpr (kLanes == 8) {
    return carry;
  } else {
    return _mm256_alignr_epi8(v, carry, 16 - 2 * kLanes);
  }
}

// Lane masks from a sliding window over a constant table (one unaligned load each).
struct LaneMasks {
  alignas(64) std::uint16_t ge_table[32];  // [0 x16, 0xFFFF x16]
  alignas(64) std::uint16_t eq_table[32];  // 0xFFFF at 16 only

  constexpr LaneMasks() : ge_table{}, eq_table{} {
    for (int i = 16; i < 32; ++i) ge_table[i] = 0xFFFF;
    eq_table[16] = 0xFFFF;
  }
  THETA_SIMD_INLINE Vec at_or_above(unsigned lane) const { return load(ge_table + 16 - lane); }
  THETA_SIMD_INLINE Vec only(unsigned lane) const { return load(eq_table + 16 - lane); }
};
inline constexpr LaneMasks kLaneMasks{};

// Forward fill: lanes in `known` keep their value, every other lane copies the nearest known
// lane below it, or `left` if there is none.
THETA_SIMD_INLINE Vec fill_forward(Vec v, Vec known, Vec left) {
  const Vec ones = _mm256_set1_epi16(-1);
  v = _mm256_blendv_epi8(shift_up<1>(v, left), v, known);
  known = _mm256_or_si256(known, shift_up<1>(known, ones));
  v = _mm256_blendv_epi8(shift_up<2>(v, left), v, known);
  known = _mm256_or_si256(known, shift_up<2>(known, ones));
  v = _mm256_blendv_epi8(shift_up<4>(v, left), v, known);
  known = _mm256_or_si256(known, shift_up<4>(known, ones));
  return _mm256_blendv_epi8(shift_up<8>(v, left), v, known);
}

}  // namespace theta_net::codec::simd
#endif
