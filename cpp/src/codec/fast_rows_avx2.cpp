// Fast coder, decoder pass 2 for 16-wide boxes with AVX2: a row of 16 voxels at once.
//
// The row is predicted as if no voxel missed: b where b == c, else the value to the left (a
// forward fill); its flat voxels are counted against the flat run and its edge voxels' codes
// spread onto their lanes with one byte shuffle. The first miss is resolved and patched in: it
// changes only the lanes up to the next b == c lane q (they copy it) and q's flat bit; then the
// rest of the row is checked again. A row costs a few vector instructions plus about as many per
// miss. Same results as predict_rows_scalar (tested).

#include <bit>

#include "fast_decoder_parts.hpp"
#include "simd_lanes.hpp"

#if THETA_CODEC_HAVE_AVX2_KERNELS
namespace theta_net::codec::fast {
namespace {

// pos[b][n]: bit index of the n-th set bit of byte b.
struct SelectInByte {
  std::uint8_t pos[256][8];
  constexpr SelectInByte() : pos{} {
    for (unsigned b = 0; b < 256; ++b) {
      unsigned n = 0;
      for (unsigned i = 0; i < 8; ++i)
        if (b >> i & 1) pos[b][n++] = static_cast<std::uint8_t>(i);
    }
  }
};
constexpr SelectInByte kSelectInByte{};

// Bit index of the n-th (0-based) set bit of a 16-bit mask, n < popcount(bits), without a
// branch (the misses are data: a loop exit per miss would be a mispredicted branch). BMI2 pdep
// would do too, but is microcoded on AMD cores before Zen 3.
THETA_FORCE_INLINE unsigned nth_set_bit16(std::uint32_t bits, std::uint32_t n) {
  const auto low_count = static_cast<std::uint32_t>(std::popcount(bits & 0xFF));
  const bool high = n >= low_count;
  const std::uint32_t byte = select(high, bits >> 8 & 0xFF, bits & 0xFF);
  return kSelectInByte.pos[byte][(n - select(high, low_count, 0)) & 7] + select(high, 8, 0);
}

// pshufb controls that spread 16 consecutive bytes onto the set lanes of a 16-bit mask (lane i
// takes byte popcount(mask & below(i)); clear lanes take 0).
struct ExpandShuffle {
  std::uint64_t half[256];  // per mask byte: 8 control bytes, 0x80 for a clear lane
  constexpr ExpandShuffle() : half{} {
    for (unsigned m = 0; m < 256; ++m) {
      std::uint64_t ctrl = 0;
      unsigned k = 0;
      for (unsigned i = 0; i < 8; ++i) ctrl |= std::uint64_t{m >> i & 1 ? k++ : 0x80u} << (8 * i);
      half[m] = ctrl;
    }
  }
  THETA_AVX2_TARGET __m128i control(std::uint32_t mask) const {
    const auto low_count = static_cast<std::uint64_t>(std::popcount(mask & 0xFF));
    // The high half continues at byte low_count (adding to 0x80 keeps it "clear").
    return _mm_set_epi64x(
        static_cast<long long>(half[mask >> 8 & 0xFF] + low_count * 0x0101010101010101ull),
        static_cast<long long>(half[mask & 0xFF]));
  }
};
constexpr ExpandShuffle kExpandShuffle{};

}  // namespace

THETA_AVX2_TARGET THETA_NOINLINE bool predict_rows16_avx2(ChunkDims d, const std::uint16_t* palette,
                                                          MissCursor& cur, std::uint16_t* out) {
  using namespace simd;
  std::uint16_t virtual_row[16];
  for (auto& v : virtual_row) v = palette[0];
  alignas(32) std::uint16_t lanes[16];
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z) {
      std::uint16_t* row = out + (std::size_t{y} * d.z + z) * 16;
      const NeighbourRows nb = neighbour_rows(out, d, y, z, virtual_row);
      const Vec b = load(nb.b), b_eq_c = eq(b, load(nb.c));
      const std::uint32_t known = mask(b_eq_c);
      const Vec fill = splat(nb.b[0]);
      Vec v = known == 0xFFFF ? b : fill_forward(_mm256_blendv_epi8(fill, b, b_eq_c), b_eq_c, fill);
      std::uint32_t flat = mask(_mm256_and_si256(eq(shift_up<1>(v, fill), b), b_eq_c));
      std::uint32_t pending = 0xFFFF;  // lanes not final yet
      for (;;) {
        const std::uint32_t edge_p = ~flat & pending, flat_p = flat & pending;
        // Codes of the pending edge voxels, as bytes (0 = hit), spread onto their lanes.
        const Vec codes16 = load(cur.code);
        const __m128i codes8 =
            _mm_packus_epi16(_mm256_castsi256_si128(codes16), _mm256_extracti128_si256(codes16, 1));
        const __m128i spread = _mm_shuffle_epi8(codes8, kExpandShuffle.control(edge_p));
        const std::uint32_t edge_misses = ~static_cast<std::uint32_t>(_mm_movemask_epi8(
                                              _mm_cmpeq_epi8(spread, _mm_setzero_si128()))) &
                                          edge_p;
        const auto n_flat = static_cast<std::uint32_t>(std::popcount(flat_p));
        if (n_flat <= cur.flat_left && edge_misses == 0) {  // the rest of the row hits
          cur.flat_left -= n_flat;
          cur.code += std::popcount(edge_p);
          break;
        }
        // (nth_set_bit16 of a missing bit is garbage, replaced by 16 without a branch.)
        const std::uint32_t flat_miss_lane =
            select(n_flat > cur.flat_left, nth_set_bit16(flat_p, cur.flat_left & 15), 16);
        const auto edge_miss_lane =
            static_cast<std::uint32_t>(std::countr_zero(edge_misses | 0x10000));
        const std::uint32_t p = flat_miss_lane < edge_miss_lane ? flat_miss_lane : edge_miss_lane;
        const std::uint32_t before = (1u << p) - 1;
        cur.flat_left -= static_cast<std::uint32_t>(std::popcount(flat_p & before));
        cur.code += std::popcount(edge_p & before);
        // The miss's code: the next flat event's, or the next edge code (no branch).
        const bool flat_miss = p == flat_miss_lane;
        const std::uint32_t code =
            select(flat_miss, static_cast<std::uint32_t>(cur.flat_event[0] >> 32), cur.code[0]);
        cur.flat_left =
            select(flat_miss, static_cast<std::uint32_t>(cur.flat_event[1]), cur.flat_left);
        cur.flat_event += flat_miss;
        cur.code += !flat_miss;
        store(lanes, v);
        const std::uint16_t a = p ? lanes[p - 1] : nb.b[0];
        const std::uint32_t value = miss_value(nb, p, 16, a, lanes[p], code, palette);
        if (value == kBadValue) return false;
        // The lanes up to the next b == c lane predict from their left neighbour: the value.
        const std::uint32_t after = 0xFFFEu << p & 0xFFFF;
        const auto q = static_cast<std::uint32_t>(std::countr_zero((known & after) | 0x10000));
        v = _mm256_blendv_epi8(
            v, splat(static_cast<std::uint16_t>(value)),
            _mm256_andnot_si256(kLaneMasks.at_or_above(q), kLaneMasks.at_or_above(p)));
        // q's flat bit (q == 16: no lane; its bit falls outside the mask).
        const std::uint32_t q_bit = 1u << q;
        flat = ((flat & ~q_bit) | select(value == nb.b[q & 15], q_bit, 0)) & 0xFFFF;
        pending = after;
      }
      store(row, v);
    }
  return true;
}

}  // namespace theta_net::codec::fast
#endif
