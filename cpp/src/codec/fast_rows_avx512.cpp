// Fast coder, decoder pass 2 for 16-wide boxes with AVX-512 (F, BW, VL) and BMI2.
//
// Same row order and rules as the AVX2 kernel (fast_rows_avx2.cpp): the row is predicted as if
// no voxel missed, then its misses are resolved in order, each patching the lanes up to the
// next b == c lane q and setting q's class. What differs is how a miss is found and valued:
// each class's misses are one bit per voxel of the class (fast_miss_bits.hpp), so one pdep per
// class places all of a row's misses under the current classes (again after a miss changes q's
// class), with no event to load per miss, and the placements for both outcomes of q's class are
// ready before the miss's value is; the k-th miss's code and escape id are one array entry; a
// miss's value is chosen without a branch between rank-0 candidates and escapes; the lanes are
// patched through a mask register.
//
// Tried first and measured slower (see docs/benchmarks.md): resolving all of a row's misses in
// one vector pass and repeating until the classes held. Nearly every miss changes the class of
// the next b == c lane, so rows needed about one pass per miss, each dearer than a serial step.
//
// Every CPU with AVX-512 BW and VL has a fast pdep (Intel; AMD from Zen 4), so there is no table
// variant.

#include <immintrin.h>

#include <bit>

#include "fast_decoder_parts.hpp"
#include "fast_miss_bits.hpp"

#if THETA_CODEC_HAVE_AVX2_KERNELS
namespace theta_net::codec::fast {
namespace {

#define THETA_V4_INLINE THETA_AVX512_TARGET inline __attribute__((always_inline))

using Vec = __m256i;
using Lanes = __mmask16;  // one bit per lane

// Permutation indices over 16 lanes; 16 picks lane 0 of the second source (the fill value).
struct LaneIndices {
  alignas(32) std::uint16_t up[4][16];  // up[k]: lane i takes lane i - 2^k
  alignas(32) std::uint16_t right[16];  // lane i takes lane i + 1, the last lane itself
  alignas(32) std::uint16_t left[16];   // lane i takes lane i - 1, the first lane itself

  constexpr LaneIndices() : up{}, right{}, left{} {
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i < 16; ++i)
        up[k][i] = static_cast<std::uint16_t>(i >= (1 << k) ? i - (1 << k) : 16);
    for (int i = 0; i < 16; ++i) {
      right[i] = static_cast<std::uint16_t>(i < 15 ? i + 1 : 15);
      left[i] = static_cast<std::uint16_t>(i > 0 ? i - 1 : 0);
    }
  }
};
constexpr LaneIndices kLaneIndices{};

THETA_V4_INLINE Vec load(const std::uint16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const Vec*>(p));
}
THETA_V4_INLINE Vec splat(std::uint16_t v) {
  return _mm256_set1_epi16(static_cast<short>(v));
}

// Lanes move up by 2^k (lane i takes lane i - 2^k); the lanes below take `fill` (one value).
template <int k>
THETA_V4_INLINE Vec shift_up(Vec v, Vec fill) {
  return _mm256_permutex2var_epi16(v, load(kLaneIndices.up[k]), fill);
}

// Lanes in `known` keep their value; every other lane copies the nearest known lane below it,
// or `fill` if there is none.
THETA_V4_INLINE Vec fill_forward(Vec v, std::uint32_t known, Vec fill) {
  v = _mm256_mask_mov_epi16(shift_up<0>(v, fill), static_cast<Lanes>(known), v);
  known |= known << 1 | 1u;
  v = _mm256_mask_mov_epi16(shift_up<1>(v, fill), static_cast<Lanes>(known), v);
  known |= known << 2 | 3u;
  v = _mm256_mask_mov_epi16(shift_up<2>(v, fill), static_cast<Lanes>(known), v);
  known |= known << 4 | 15u;
  return _mm256_mask_mov_epi16(shift_up<3>(v, fill), static_cast<Lanes>(known), v);
}

// What a row is predicted from.
struct RowInputs {
  NeighbourRows nb;
  Vec b, c;
  Vec fill;             // b's first lane everywhere: lane 0's left neighbour
  std::uint32_t known;  // lanes with b == c (they predict b, the others their left neighbour)
};

// Where the row kernel stands in each class: bits consumed (voxels seen), entries consumed
// (misses resolved).
struct Cursors {
  std::uint32_t flat_pos = 0, edge_pos = 0, flat_next = 0, edge_next = 0;
};

// `found` with the lanes where `value` differs from `pred` taken from `value`.
THETA_V4_INLINE Vec keep_if_differs(Vec found, Vec value, Vec pred) {
  return _mm256_mask_mov_epi16(found, _mm256_cmpneq_epi16_mask(value, pred), value);
}

// A flat voxel's rank-0 candidate in every lane: the first of b[x-1], c[x-1], f[x], b[x+1],
// c[x+1] that differs from b, or b itself (missing diagonals at the row ends read the lane
// itself, which equals b in a flat lane). Kept from the last to the first.
THETA_V4_INLINE Vec diagonal_candidates(const RowInputs& in) {
  const Vec right = load(kLaneIndices.right), left = load(kLaneIndices.left);
  Vec found = in.b;
  found = keep_if_differs(found, _mm256_permutexvar_epi16(right, in.c), in.b);
  found = keep_if_differs(found, _mm256_permutexvar_epi16(right, in.b), in.b);
  found = keep_if_differs(found, load(in.nb.f), in.b);
  found = keep_if_differs(found, _mm256_permutexvar_epi16(left, in.c), in.b);
  return keep_if_differs(found, _mm256_permutexvar_epi16(left, in.b), in.b);
}

// The flat lanes of row `v`: b == c, and the left neighbour equals them too.
THETA_V4_INLINE std::uint32_t flat_lanes(const RowInputs& in, Vec v) {
  return in.known & _mm256_cmpeq_epi16_mask(shift_up<0>(v, in.fill), in.b);
}

// A row with a miss: its misses resolved in order into `v` (the row as if nothing missed, with
// `flat` its flat lanes), the cursors moved past the row. False if a miss does not fit.
THETA_V4_INLINE bool resolve_row(const RowInputs& in, const std::uint16_t* palette,
                                 const MissBits& m, Cursors& cur, std::uint32_t flat, Vec& v) {
  const std::uint32_t flat_bits = m.flat.peek16(cur.flat_pos);
  const std::uint32_t edge_bits = m.edge.peek16(cur.edge_pos);
  const std::uint32_t* flat_entries = m.flat.entries + cur.flat_next;
  const std::uint32_t* edge_entries = m.edge.entries + cur.edge_next;
  // lanes[16 + x] is lane x; lanes[15] lane 0's left neighbour, b[0].
  alignas(32) std::uint16_t lanes[32];
  lanes[15] = in.nb.b[0];
  alignas(32) std::uint16_t diagonal[16];  // flat lanes' rank-0 candidates (off the miss chain)
  _mm256_store_si256(reinterpret_cast<Vec*>(diagonal), diagonal_candidates(in));
  std::uint32_t pending = 0xFFFF;  // lanes not final yet
  // The misses under the current classes (those below `pending` are the ones resolved).
  std::uint32_t flat_miss = _pdep_u32(flat_bits, flat);
  std::uint32_t edge_miss = _pdep_u32(edge_bits, ~flat & 0xFFFF);
  for (;;) {
    const std::uint32_t miss = (flat_miss | edge_miss) & pending;
    if (miss == 0) break;
    const auto p = static_cast<std::uint32_t>(std::countr_zero(miss));
    const std::uint32_t below = (1u << p) - 1;
    const bool is_flat = (flat_miss >> p & 1) != 0;
    // It is its class's k-th miss in this row.
    const auto k_flat = static_cast<std::uint32_t>(std::popcount(flat_miss & below));
    const auto k_edge = static_cast<std::uint32_t>(std::popcount(edge_miss & below));
    // (Both read: the other class's entry exists, see kMissPad.)
    const std::uint32_t entry = select(is_flat, flat_entries[k_flat], edge_entries[k_edge]);
    const std::uint32_t code = entry & 0xFFFF;
    _mm256_store_si256(reinterpret_cast<Vec*>(lanes + 16), v);
    const std::uint16_t a = lanes[15 + p], pred = lanes[16 + p];
    const std::uint16_t bp = in.nb.b[p], cp = in.nb.c[p];
    std::uint32_t value;
    // Neither a rank-0 candidate nor an escape: codes kHit (the stop), 2 and 3 (ranks 1, 2),
    // found with one compare ((code ^ 1) maps them to 1..3, kCandidate to 0).
    static_assert(kCandidate == 1 && kEscape == 4 && kHit == 0);
    if (THETA_UNLIKELY((code ^ 1) - 1 < 3)) {
      value = resolve_rare_miss(in.nb, p, 16, a, pred, code, palette);
    } else {
      // A rank-0 candidate (for an edge voxel the first of a, b, c that differs from the
      // prediction, for a flat one the first differing diagonal) or an escape's palette id.
      const std::uint32_t edge_value = select(a != pred, a, select(bp != pred, bp, cp));
      const std::uint32_t candidate = select(is_flat, diagonal[p], edge_value);
      value = select(code >= kEscape, entry >> 16, candidate);
    }
    if (value == pred || value == kBadValue) return false;
    // The lanes up to the next b == c lane q predict from their left neighbour: the value.
    const std::uint32_t after = 0xFFFEu << p & 0xFFFF;
    const auto q = static_cast<std::uint32_t>(std::countr_zero((in.known & after) | 0x10000));
    v = _mm256_mask_mov_epi16(v, static_cast<Lanes>(((1u << q) - 1) & ~below),
                              splat(static_cast<std::uint16_t>(value)));
    // q's class (q == 16: no lane; its bit falls outside the mask), and the misses under the
    // classes then. Both outcomes are placed before the value is known, so that only a select
    // waits for it.
    const std::uint32_t q_bit = 1u << q;
    const std::uint32_t edge_q = flat & ~q_bit & 0xFFFF, flat_q = (flat | q_bit) & 0xFFFF;
    const std::uint32_t flat_miss_if_edge = _pdep_u32(flat_bits, edge_q);
    const std::uint32_t edge_miss_if_edge = _pdep_u32(edge_bits, ~edge_q & 0xFFFF);
    const std::uint32_t flat_miss_if_flat = _pdep_u32(flat_bits, flat_q);
    const std::uint32_t edge_miss_if_flat = _pdep_u32(edge_bits, ~flat_q & 0xFFFF);
    const bool q_is_flat = value == in.nb.b[q & 15];
    flat = select(q_is_flat, flat_q, edge_q);
    flat_miss = select(q_is_flat, flat_miss_if_flat, flat_miss_if_edge);
    edge_miss = select(q_is_flat, edge_miss_if_flat, edge_miss_if_edge);
    pending = after;
  }
  const auto flat_count = static_cast<std::uint32_t>(std::popcount(flat));
  cur.flat_pos += flat_count;
  cur.edge_pos += 16 - flat_count;
  cur.flat_next += static_cast<std::uint32_t>(std::popcount(flat_miss));
  cur.edge_next += static_cast<std::uint32_t>(std::popcount(edge_miss));
  return true;
}

}  // namespace

THETA_AVX512_TARGET THETA_NOINLINE bool predict_rows16_avx512(ChunkDims d,
                                                              const std::uint16_t* palette,
                                                              const MissBits& m, std::uint16_t* out,
                                                              std::uint32_t& crc) {
  std::uint16_t virtual_row[16];
  for (auto& v : virtual_row) v = palette[0];
  Cursors cur;
  std::uint64_t running_crc = 0xFFFFFFFFu;
  Vec v = _mm256_setzero_si256();  // the row being decoded, then the row before the next one
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z) {
      std::uint16_t* row = out + (std::size_t{y} * d.z + z) * 16;
      RowInputs in;
      in.nb = neighbour_rows(out, d, y, z, virtual_row);
      // b is the row just decoded (still in a register) except at the start of a layer.
      in.b = z > 0 ? v : load(in.nb.b);
      in.c = load(in.nb.c);
      in.fill = _mm256_broadcastw_epi16(_mm256_castsi256_si128(in.b));
      in.known = _mm256_cmpeq_epi16_mask(in.b, in.c);
      // The row as if it had no miss, and its flat lanes then.
      v = in.known == 0xFFFF ? in.b : fill_forward(in.b, in.known, in.fill);
      const std::uint32_t flat = flat_lanes(in, v);
      const std::uint32_t flat_miss = _pdep_u32(m.flat.peek16(cur.flat_pos), flat);
      const std::uint32_t edge_miss = _pdep_u32(m.edge.peek16(cur.edge_pos), ~flat & 0xFFFF);
      if (THETA_LIKELY((flat_miss | edge_miss) == 0)) {
        const auto flat_count = static_cast<std::uint32_t>(std::popcount(flat));
        cur.flat_pos += flat_count;
        cur.edge_pos += 16 - flat_count;
      } else if (!resolve_row(in, palette, m, cur, flat, v)) {
        return false;
      }
      _mm256_storeu_si256(reinterpret_cast<Vec*>(row), v);
      // The CRC of the rows so far: its own dependency chain, beside the rows' chain.
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(row);
      for (int i = 0; i < 4; ++i)
        running_crc = _mm_crc32_u64(running_crc, load_le64(bytes + 8 * i));
    }
  crc = ~static_cast<std::uint32_t>(running_crc);
  // Every miss used, and exactly the sent number of edge voxels seen (so never the stop).
  return cur.flat_next == m.flat.misses && cur.edge_next == m.edge.misses &&
         cur.edge_pos == m.edge.stop;
}

}  // namespace theta_net::codec::fast
#endif
