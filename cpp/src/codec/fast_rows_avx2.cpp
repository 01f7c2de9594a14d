// Fast coder, decoder pass 2 for 16-wide boxes with AVX2: a row of 16 voxels at once.
//
// The row is predicted as if no voxel missed: b where b == c, else the value to the left (a
// forward fill). Each class's next miss is placed by counting the class's lanes against the
// hits left before it (the n-th set bit of the class mask, or none): a row with neither is done.
// Otherwise the first miss is resolved and patched in: it changes only the lanes up to the next
// b == c lane q (they copy it) and q's flat bit; then the rest of the row is checked again. Same
// results as the voxel-by-voxel loop (tested).

#include <immintrin.h>

#include <algorithm>
#include <bit>

#include "fast_decoder_parts.hpp"
#include "simd_lanes.hpp"

#if THETA_CODEC_HAVE_AVX2_KERNELS
namespace theta_net::codec::fast {
namespace {

// one_hot[b][n]: the n-th (0-based) set bit of byte b alone, 0 when b has n bits or fewer.
struct OneHotInByte {
  std::uint8_t one_hot[256][8];
  constexpr OneHotInByte() : one_hot{} {
    for (unsigned b = 0; b < 256; ++b) {
      unsigned n = 0;
      for (unsigned i = 0; i < 8; ++i)
        if (b >> i & 1) one_hot[b][n++] = static_cast<std::uint8_t>(1u << i);
    }
  }
};
constexpr OneHotInByte kOneHotInByte{};

// The n-th set bit of a 16-bit mask alone (0 if there is none), without a data-dependent
// branch. With kPdep: BMI2 pdep, one instruction on Intel and on AMD since Zen 3 (microcoded
// and slow before, where the byte table is used instead).
template <bool kPdep>
THETA_AVX2_TARGET THETA_FORCE_INLINE std::uint32_t nth_bit16(std::uint32_t mask, std::uint32_t n) {
  if constexpr (kPdep) {
    // (Bit 16 and up deposit nothing into a 16-bit mask.)
    return _pdep_u32(1u << std::min(n, 16u), mask);
  } else {
    const auto low_count = static_cast<std::uint32_t>(std::popcount(mask & 0xFF));
    // Entry 8 and up of a row read the next rows' entries: masked out by `in_low` / `in_high`.
    const std::uint32_t low = kOneHotInByte.one_hot[mask & 0xFF][std::min(n, 7u)];
    const std::uint32_t m = n - low_count;  // wraps when the bit is in the low byte
    const std::uint32_t high = kOneHotInByte.one_hot[mask >> 8][std::min(m, 7u)];
    return (n < 8 ? low : 0) | (m < 8 ? high << 8 : 0);
  }
}

template <bool kPdep>
THETA_AVX2_TARGET THETA_FORCE_INLINE bool predict_rows16(ChunkDims d, const std::uint16_t* palette,
                                                         EventCursor& flat_cursor,
                                                         EventCursor& edge_cursor,
                                                         std::uint16_t* out, std::uint32_t& crc) {
  using namespace simd;
  std::uint16_t virtual_row[16];
  for (auto& v : virtual_row) v = palette[0];
  alignas(32) std::uint16_t lanes[16];
  // The cursors as locals, so that they stay in registers.
  const std::uint64_t* flat_next = flat_cursor.next;
  const std::uint64_t* edge_next = edge_cursor.next;
  std::uint32_t flat_left = flat_cursor.left, edge_left = edge_cursor.left;
  std::uint64_t running_crc = 0xFFFFFFFFu;
  Vec v = _mm256_setzero_si256();  // the row being decoded, then the row before the next one
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z) {
      std::uint16_t* row = out + (std::size_t{y} * d.z + z) * 16;
      const NeighbourRows nb = neighbour_rows(out, d, y, z, virtual_row);
      // b is the row just decoded (still in a register) except at the start of a layer.
      const Vec b = z > 0 ? v : load(nb.b), b_eq_c = eq(b, load(nb.c));
      const std::uint32_t known = mask(b_eq_c);
      const Vec fill = _mm256_broadcastw_epi16(_mm256_castsi256_si128(b));
      v = known == 0xFFFF ? b : fill_forward(_mm256_blendv_epi8(fill, b, b_eq_c), b_eq_c, fill);
      std::uint32_t flat = mask(_mm256_and_si256(eq(shift_up<1>(v, fill), b), b_eq_c));
      std::uint32_t pending = 0xFFFF;  // lanes not final yet
      for (;;) {
        const std::uint32_t flat_p = flat & pending, edge_p = ~flat & pending;
        const std::uint32_t flat_miss = nth_bit16<kPdep>(flat_p, flat_left);
        const std::uint32_t edge_miss = nth_bit16<kPdep>(edge_p, edge_left);
        if ((flat_miss | edge_miss) == 0) {  // the rest of the row hits
          flat_left -= static_cast<std::uint32_t>(std::popcount(flat_p));
          edge_left -= static_cast<std::uint32_t>(std::popcount(edge_p));
          break;
        }
        // The first of the two misses (a one-hot bit each, or 0: 0 - 1 sorts last).
        const bool is_flat = flat_miss - 1 < edge_miss - 1;
        const std::uint32_t bit = is_flat ? flat_miss : edge_miss;
        const auto p = static_cast<std::uint32_t>(std::countr_zero(bit));
        flat_left -= static_cast<std::uint32_t>(std::popcount(flat_p & (bit - 1)));
        edge_left -= static_cast<std::uint32_t>(std::popcount(edge_p & (bit - 1)));
        // Take the miss's event from its list (no branch).
        const std::uint32_t code = is_flat ? event_code(*flat_next) : event_code(*edge_next);
        flat_next += is_flat;
        edge_next += !is_flat;
        flat_left = is_flat ? event_run(*flat_next) : flat_left;
        edge_left = is_flat ? edge_left : event_run(*edge_next);
        store(lanes, v);
        const std::uint16_t a = p ? lanes[p - 1] : nb.b[0], pred = lanes[p];
        std::uint32_t value;
        if (THETA_LIKELY(code == kCandidate)) {
          // The rank-0 candidate: for an edge voxel the first of a, b, c that differs from the
          // prediction, for a flat one (a == b == c) the first differing diagonal.
          const std::uint16_t bp = nb.b[p], cp = nb.c[p];
          const std::uint32_t edge_value = select(a != pred, a, select(bp != pred, bp, cp));
          value = select(is_flat, first_diagonal(nb, p, 16, pred), edge_value);
        } else if (code >= kEscape && code != kStopCode) {
          value = palette[code - kEscape];  // < palette size, checked by the parser
        } else {
          value = resolve_rare_miss(nb, p, 16, a, pred, code, palette);
        }
        if (value == pred || value == kBadValue) return false;
        // The lanes up to the next b == c lane predict from their left neighbour: the value.
        const std::uint32_t after = 0xFFFEu << p & 0xFFFF;
        const auto q = static_cast<std::uint32_t>(std::countr_zero((known & after) | 0x10000));
        v = _mm256_blendv_epi8(
            v, splat(static_cast<std::uint16_t>(value)),
            _mm256_andnot_si256(kLaneMasks.at_or_above(q), kLaneMasks.at_or_above(p)));
        // q's flat bit (q == 16: no lane; its bit falls outside the mask).
        const std::uint32_t q_bit = 1u << q;
        flat = ((flat & ~q_bit) | (value == nb.b[q & 15] ? q_bit : 0)) & 0xFFFF;
        pending = after;
      }
      store(row, v);
      // The CRC of the rows so far: its own dependency chain, beside the rows' chain.
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(row);
      for (int i = 0; i < 4; ++i)
        running_crc = _mm_crc32_u64(running_crc, load_le64(bytes + 8 * i));
    }
  flat_cursor.next = flat_next;
  flat_cursor.left = flat_left;
  edge_cursor.next = edge_next;
  edge_cursor.left = edge_left;
  crc = ~static_cast<std::uint32_t>(running_crc);
  return true;
}

}  // namespace

THETA_AVX2_TARGET THETA_NOINLINE bool predict_rows16_avx2(ChunkDims d, const std::uint16_t* palette,
                                                          EventCursor& flat, EventCursor& edge,
                                                          std::uint16_t* out, std::uint32_t& crc,
                                                          bool use_pdep) {
  if (use_pdep) return predict_rows16<true>(d, palette, flat, edge, out, crc);
  return predict_rows16<false>(d, palette, flat, edge, out, crc);
}

}  // namespace theta_net::codec::fast
#endif
