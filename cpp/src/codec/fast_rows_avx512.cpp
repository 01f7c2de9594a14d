// Fast coder, decoder pass 2 for 16-wide boxes with AVX-512 (F, BW, VL, VBMI2) and BMI2: a row
// of 16 voxels with all of its misses resolved together.
//
// Why: the AVX2 kernel (fast_rows_avx2.cpp) resolves a row's misses one after the other, and
// each is a chain of dependent steps (place it, read its neighbours, choose its value, patch
// the lanes) ending in a data-dependent loop exit.
//
// How: each class's misses are one bit per voxel of the class (fast_miss_bits.hpp). Given which
// lanes are flat, pdep deposits the class's next bits onto its lanes: those are the misses;
// vpexpandw spreads their codes and escape ids onto them, and every lane's value follows from
// selects and one forward fill:
//   b == c lane, hit                        b
//   flat miss, rank 0                       the first diagonal neighbour that differs from b
//   escape                                  its palette id
//   b == c lane, edge miss, rank 0; other   a (the lane to the left: a != b is what made it an
//     lanes, hit                              edge voxel, and it is the first candidate)
//   other lane (b != c), edge miss, rank 0  b if b != a, else c
// The last needs a; it is filled in after a first fill, again while two of them follow each
// other with nothing fixed between. A miss can change whether the next b == c lane is flat
// (a == b there), so the classes are recomputed from the values: when they are the ones
// assumed, every lane follows from the lanes before it by the voxel-by-voxel decoder's rules,
// so the row is that decoder's. Otherwise the recomputed classes are right at least one lane
// further and the row is resolved again with them. A row that needs more than kMaxPasses, or
// has a code other than a rank-0 candidate or an escape, is decoded voxel by voxel.
//
// Every CPU with AVX-512 has a fast pdep (Intel; AMD from Zen 4), so there is no table variant.

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

constexpr int kMaxPasses = 4;

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

// Where the row kernel stands in each class: bits consumed (voxels seen), codes consumed.
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

// The row's values if its flat misses are `flat_miss` and its edge misses `edge_miss` (see the
// table at the top). False if a miss has a code other than a rank-0 candidate or an escape.
THETA_V4_INLINE bool row_values(const RowInputs& in, const MissBits& m, const Cursors& cur,
                                std::uint32_t flat_miss, std::uint32_t edge_miss, Vec& v) {
  const std::uint32_t miss = flat_miss | edge_miss;
  const auto fm = static_cast<Lanes>(flat_miss), em = static_cast<Lanes>(edge_miss);
  const Vec codes =
      _mm256_or_si256(_mm256_maskz_expand_epi16(fm, load(m.flat.codes + cur.flat_next)),
                      _mm256_maskz_expand_epi16(em, load(m.edge.codes + cur.edge_next)));
  const std::uint32_t rank0 =
      _mm256_mask_cmpeq_epi16_mask(static_cast<Lanes>(miss), codes, splat(kCandidate));
  const std::uint32_t escape =
      _mm256_mask_cmpge_epu16_mask(static_cast<Lanes>(miss), codes, splat(kEscape)) &
      _mm256_cmpneq_epi16_mask(codes, splat(kStopCode));
  if (THETA_UNLIKELY((rank0 | escape) != miss)) return false;
  const Vec ids = _mm256_or_si256(_mm256_maskz_expand_epi16(fm, load(m.flat.ids + cur.flat_next)),
                                  _mm256_maskz_expand_epi16(em, load(m.edge.ids + cur.edge_next)));
  const std::uint32_t flat_rank0 = flat_miss & rank0;
  Vec fixed_values = in.b;
  if (flat_rank0 != 0) {
    fixed_values = _mm256_mask_mov_epi16(fixed_values, static_cast<Lanes>(flat_rank0),
                                         diagonal_candidates(in));
  }
  fixed_values = _mm256_mask_mov_epi16(fixed_values, static_cast<Lanes>(escape), ids);
  const std::uint32_t fixed = (in.known & ~miss) | flat_rank0 | escape;
  const std::uint32_t from_left = edge_miss & rank0 & ~in.known;  // b if b != a, else c
  v = fill_forward(fixed_values, fixed, in.fill);
  if (from_left == 0) return true;
  const std::uint32_t settled = fixed | from_left;
  // Two such lanes in a row (nothing fixed between): the second needs the first's value.
  const std::uint32_t order = _pext_u32(from_left, settled);
  const bool chained = (order & order << 1) != 0;
  for (int i = 0; i <= 16; ++i) {  // (a chain of n resolves in n rounds)
    const Vec a = shift_up<0>(v, in.fill);
    const Vec chosen = _mm256_mask_mov_epi16(in.c, _mm256_cmpneq_epi16_mask(in.b, a), in.b);
    fixed_values = _mm256_mask_mov_epi16(fixed_values, static_cast<Lanes>(from_left), chosen);
    const Vec next = fill_forward(fixed_values, settled, in.fill);
    const bool same = _mm256_cmpneq_epi16_mask(next, v) == 0;
    v = next;
    if (!chained || same) break;
  }
  return true;
}

THETA_V4_INLINE std::uint32_t flat_lanes(const RowInputs& in, Vec v) {
  return in.known & _mm256_cmpeq_epi16_mask(shift_up<0>(v, in.fill), in.b);
}

// The voxel-by-voxel decoder's rules on one row, for the rows the vector path leaves: any code,
// any number of passes. Moves the cursors; false if a miss does not fit.
THETA_NOINLINE bool row_voxel_by_voxel(const NeighbourRows& nb, const std::uint16_t* palette,
                                       const MissBits& m, Cursors& cur, std::uint16_t* row) {
  std::uint16_t a = nb.b[0];
  for (std::uint32_t x = 0; x < 16; ++x) {
    const std::uint16_t b = nb.b[x], c = nb.c[x], p = predict(a, b, c);
    const bool flat = is_flat(a, b, c);
    std::uint32_t value = p;
    if (flat ? m.flat.bit(cur.flat_pos++) : m.edge.bit(cur.edge_pos++)) {
      const std::uint32_t code =
          flat ? m.flat.codes[cur.flat_next++] : m.edge.codes[cur.edge_next++];
      value = miss_value(nb, x, 16, flat, a, p, code, palette);
      if (value == kBadValue) return false;
    }
    row[x] = a = static_cast<std::uint16_t>(value);
  }
  return true;
}

// A row with a miss under its first guess of the flat lanes: its values into `v`, the cursors
// moved past it. False if a miss does not fit.
THETA_V4_INLINE bool resolve_row(const RowInputs& in, const std::uint16_t* palette,
                                 const MissBits& m, Cursors& cur, std::uint32_t flat,
                                 std::uint16_t* row, Vec& v) {
  const std::uint32_t flat_bits = m.flat.peek16(cur.flat_pos);
  const std::uint32_t edge_bits = m.edge.peek16(cur.edge_pos);
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    const std::uint32_t flat_miss = _pdep_u32(flat_bits, flat);
    const std::uint32_t edge_miss = _pdep_u32(edge_bits, ~flat & 0xFFFF);
    if (!row_values(in, m, cur, flat_miss, edge_miss, v)) break;
    const std::uint32_t next_flat = flat_lanes(in, v);
    if (next_flat != flat) {
      flat = next_flat;
      continue;
    }
    // The classes hold: the row is final. A miss whose value is its prediction (no candidate
    // differs from it, or an escape to it) does not fit.
    const Vec pred =
        _mm256_mask_mov_epi16(shift_up<0>(v, in.fill), static_cast<Lanes>(in.known), in.b);
    if (_mm256_mask_cmpeq_epi16_mask(static_cast<Lanes>(flat_miss | edge_miss), v, pred) != 0)
      return false;
    const auto flat_count = static_cast<std::uint32_t>(std::popcount(flat));
    cur.flat_pos += flat_count;
    cur.edge_pos += 16 - flat_count;
    cur.flat_next += static_cast<std::uint32_t>(std::popcount(flat_miss));
    cur.edge_next += static_cast<std::uint32_t>(std::popcount(edge_miss));
    return true;
  }
  if (!row_voxel_by_voxel(in.nb, palette, m, cur, row)) return false;
  v = load(row);
  return true;
}

THETA_AVX512_TARGET bool predict_rows16(ChunkDims d, const std::uint16_t* palette,
                                        const MissBits& m, std::uint16_t* out, std::uint32_t& crc) {
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
      } else if (!resolve_row(in, palette, m, cur, flat, row, v)) {
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
         cur.edge_pos == m.edge.voxels;
}

}  // namespace

THETA_AVX512_TARGET THETA_NOINLINE bool predict_rows16_avx512(ChunkDims d,
                                                              const std::uint16_t* palette,
                                                              EventCursor& flat, EventCursor& edge,
                                                              std::uint16_t* out,
                                                              std::uint32_t& crc) {
  MissBits m(static_cast<std::uint32_t>(d.volume()), flat.next, edge.next);
  if (!m.build(palette) || !predict_rows16(d, palette, m, out, crc)) return false;
  // Where the other kernels leave the cursors after a box whose misses fit.
  flat.next += m.flat.misses;
  flat.left = event_run(*flat.next);
  edge.next += m.edge.misses;
  edge.left = 0;
  return true;
}

}  // namespace theta_net::codec::fast
#endif
