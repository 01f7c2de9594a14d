// Fast coder, encoder side: classify every voxel into bit planes (flat? predicted correctly?)
// with SIMD where the CPU has it, then visit only the misses, emitting the flat misses' runs and
// codes and the edge voxels' codes (fast_coder.hpp has the bitstream).

#include <bit>

#include "bit_planes.hpp"
#include "bit_stream.hpp"
#include "escape_code.hpp"
#include "fast_coder.hpp"
#include "fast_models.hpp"
#include "hot_path.hpp"
#include "scratch_buffer.hpp"
#include "simd_lanes.hpp"

namespace theta_net::codec::fast {
namespace {

// Per voxel, with its real left neighbour: the flat bit and the miss bit. Also counts the
// voxels that differ from the one before them in scan order (`changes`).
struct Planes {
  BitPlane& flat;
  BitPlane& miss;
  std::uint32_t changes = 0;
};

template <std::uint32_t kWidth>  // 16, or 0 for any width
void classify_scalar(const std::uint16_t* vals, ChunkDims d, const std::uint16_t* virtual_row,
                     Planes& planes) {
  if (kWidth) d.x = kWidth;
  std::size_t offset = 0;
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z) {
      const NeighbourRows nb = neighbour_rows(vals, d, y, z, virtual_row);
      const std::uint16_t* row = vals + offset;
      if (offset) planes.changes += row[0] != row[-1];
      for (std::uint32_t x0 = 0; x0 < d.x; x0 += 64) {
        const unsigned count = d.x - x0 < 64 ? d.x - x0 : 64;
        std::uint64_t f = 0, m = 0;
        for (unsigned i = 0; i < count; ++i) {
          const std::uint32_t x = x0 + i;
          const std::uint16_t a = x ? row[x - 1] : nb.b[0], b = nb.b[x], c = nb.c[x];
          f |= std::uint64_t{is_flat(a, b, c)} << i;
          m |= std::uint64_t{row[x] != predict(a, b, c)} << i;
          planes.changes += x > 0 && row[x] != a;
        }
        planes.flat.put(offset + x0, f, count);
        planes.miss.put(offset + x0, m, count);
      }
      offset += d.x;
    }
}

#if THETA_CODEC_HAVE_AVX2_KERNELS
// The same classification, 16 voxels per step.
template <std::uint32_t kWidth>
THETA_AVX2_TARGET THETA_NOINLINE void classify_avx2(const std::uint16_t* vals, ChunkDims d,
                                                    const std::uint16_t* virtual_row,
                                                    Planes& planes) {
  using namespace simd;
  if (kWidth) d.x = kWidth;
  std::size_t offset = 0;
  std::uint32_t changes = 0;
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z) {
      const NeighbourRows nb = neighbour_rows(vals, d, y, z, virtual_row);
      const std::uint16_t* row = vals + offset;
      if (offset) changes += row[0] != row[-1];
      for (std::uint32_t x0 = 0; x0 < d.x; x0 += 64) {
        const unsigned count = d.x - x0 < 64 ? d.x - x0 : 64;
        std::uint64_t f = 0, m = 0;
        unsigned i = 0;
        for (; i + 16 <= count; i += 16) {
          const std::uint32_t x = x0 + i;
          const Vec v = load(row + x), b = load(nb.b + x), b_eq_c = eq(b, load(nb.c + x));
          const Vec a = shift_up<1>(v, splat(x ? row[x - 1] : nb.b[0]));
          const Vec pred = _mm256_blendv_epi8(a, b, b_eq_c);
          f |= std::uint64_t{mask(_mm256_and_si256(eq(a, b), b_eq_c))} << i;
          m |= std::uint64_t{~mask(eq(v, pred)) & 0xFFFF} << i;
          const std::uint32_t differs = ~mask(eq(v, a)) & (x ? 0xFFFFu : 0xFFFEu);
          changes += static_cast<std::uint32_t>(std::popcount(differs));
        }
        for (; i < count; ++i) {
          const std::uint32_t x = x0 + i;
          const std::uint16_t a = x ? row[x - 1] : nb.b[0], b = nb.b[x], c = nb.c[x];
          f |= std::uint64_t{is_flat(a, b, c)} << i;
          m |= std::uint64_t{row[x] != predict(a, b, c)} << i;
          changes += x > 0 && row[x] != a;
        }
        planes.flat.put(offset + x0, f, count);
        planes.miss.put(offset + x0, m, count);
      }
      offset += d.x;
    }
  planes.changes += changes;
}
#endif

template <bool kAvx2>
THETA_FORCE_INLINE void classify(const std::uint16_t* vals, ChunkDims d,
                                 const std::uint16_t* virtual_row, Planes& planes) {
#if THETA_CODEC_HAVE_AVX2_KERNELS
  if constexpr (kAvx2) {
    if (d.x == 16) return classify_avx2<16>(vals, d, virtual_row, planes);
    return classify_avx2<0>(vals, d, virtual_row, planes);
  }
#endif
  if (d.x == 16) return classify_scalar<16>(vals, d, virtual_row, planes);
  classify_scalar<0>(vals, d, virtual_row, planes);
}

// One miss: its position, the code the decoder will see, and its value.
struct Miss {
  std::uint32_t pos;
  std::uint32_t code;  // kCandidate + rank, or kEscape
  std::uint16_t value;
};

// Appends `count` zero bits (edge hits).
void put_zeros(BitStreamWriter& w, std::size_t count) {
  for (; count >= 32; count -= 32) w.put(0, 32);
  w.put(0, static_cast<unsigned>(count));  // (count may be 0: no branch to mispredict)
}

Error no_memory() {
  return make_error(ErrorCode::kLimitExceeded, "out of memory for the fast coder's scratch");
}

// The encoder's body, compiled for baseline x86-64 and for x86-64-v3 (see encode_ids).
template <bool kAvx2>
THETA_FORCE_INLINE Result<EncodeStats> encode_impl(std::span<const std::uint16_t> ids, ChunkDims d,
                                                   IdIndexer& indexer,
                                                   std::span<std::uint8_t> out) {
  const std::uint16_t* vals = ids.data();
  const std::size_t n = d.volume();
  std::uint16_t virtual_row[kMaxSide];
  for (std::uint32_t x = 0; x < d.x; ++x) virtual_row[x] = vals[0];

  BitPlane flat(n), miss(n);
  if (!flat.ok() || !miss.ok()) return no_memory();
  Planes planes{flat, miss};
  classify<kAvx2>(vals, d, virtual_row, planes);
  const RankIndex flat_rank(flat), miss_rank(miss);
  if (!flat_rank.ok() || !miss_rank.ok()) return no_memory();

  // Sort the misses, in scan order, into flat and edge lists.
  const std::uint32_t total_misses = miss_rank.rank(n);
  ScratchBuffer<Miss, 512> storage(std::size_t{total_misses} * 2);
  if (!storage.data()) return no_memory();
  Miss* flat_misses = storage.data();
  Miss* edge_misses = storage.data() + total_misses;
  std::uint32_t n_flat = 0, n_edge = 0;
  std::uint32_t y = 0, z = 0;
  std::size_t row_start = 0;
  NeighbourRows nb = neighbour_rows(vals, d, 0, 0, virtual_row);
  const bool sections16 = d.x == 16 && d.z == 16;
  for (std::size_t wi = 0; wi < miss.word_count(); ++wi) {
    for (std::uint64_t bits = miss.words()[wi]; bits; bits &= bits - 1) {
      const std::size_t p = wi * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      if (sections16) {  // the common 16^3 case: coordinates are bit fields of p
        y = static_cast<std::uint32_t>(p >> 8);
        z = static_cast<std::uint32_t>(p >> 4 & 15);
        row_start = p & ~std::size_t{15};
        nb = neighbour_rows(vals, d, y, z, virtual_row);
      } else if (p >= row_start + d.x) {
        do {
          row_start += d.x;
          if (++z == d.z) {
            z = 0;
            ++y;
          }
        } while (p >= row_start + d.x);
        nb = neighbour_rows(vals, d, y, z, virtual_row);
      }
      const auto x = static_cast<std::uint32_t>(p - row_start);
      const std::uint16_t a = x ? vals[p - 1] : nb.b[0], b = nb.b[x], c = nb.c[x];
      const std::uint16_t v = vals[p], pv = predict(a, b, c);
      const bool is_flat_voxel = is_flat(a, b, c);
      std::uint32_t code = kEscape;
      if (is_first_candidate(nb, x, d.x, a, pv, v)) {
        code = kCandidate;  // the usual miss
      } else {
        const unsigned rank = candidate_rank(nb, x, d.x, a, pv, v);
        if (rank < kMaxCandidates) code = kCandidate + rank;
      }
      // Both lists get the miss; only the right one advances (no branch to mispredict).
      const Miss m{static_cast<std::uint32_t>(p), code, v};
      flat_misses[n_flat] = m;
      edge_misses[n_edge] = m;
      n_flat += is_flat_voxel;
      n_edge += !is_flat_voxel;
    }
  }

  BitStreamWriter w(out);
  const std::uint32_t flat_count = flat_rank.rank(n);
  put_gamma(w, n_flat + 1);
  put_gamma(w, static_cast<std::uint32_t>(n - flat_count) + 1);
  EscapeState esc;
  auto put_escape = [&](std::uint16_t value) {
    const std::uint32_t index = indexer.index_of(value);
    if (index < kMaxPalette) esc.encode(w, index);  // else: the caller sees the overflow
  };

  // Flat misses: run of flat voxels since the previous flat miss, then the code.
  RiceModel rice = initial_flat_run_model();
  std::uint32_t flat_seen = 0;  // flat voxels before the current position
  for (std::uint32_t i = 0; i < n_flat; ++i) {
    const Miss& m = flat_misses[i];
    const std::uint32_t flat_before = flat_rank.rank(m.pos);
    rice.encode(w, flat_before - flat_seen);
    flat_seen = flat_before + 1;
    if (m.code == kEscape) {
      kFlatMissCode.encode(w, kFlatSymbolEscape);
      put_escape(m.value);
    } else {
      kFlatMissCode.encode(w, m.code - kCandidate);
    }
  }

  // Edge voxels: one code each; hits are single zero bits.
  std::size_t edge_seen = 0;  // edge voxels before the current position
  for (std::uint32_t i = 0; i < n_edge; ++i) {
    const Miss& m = edge_misses[i];
    const std::size_t edge_before = m.pos - flat_rank.rank(m.pos);
    put_zeros(w, edge_before - edge_seen);
    edge_seen = edge_before + 1;
    if (m.code == kEscape) {
      kEdgeCode.encode(w, kEdgeSymbolEscape);
      put_escape(m.value);
    } else {
      kEdgeCode.encode(w, m.code);
    }
  }
  put_zeros(w, (n - flat_count) - edge_seen);

  const std::size_t size = w.finish();
  if (w.overflowed()) {
    return make_error(ErrorCode::kLimitExceeded, "fast payload exceeds its ", out.size(),
                      "-byte buffer");
  }
  return EncodeStats{size, planes.changes + 1};
}

Result<EncodeStats> encode_baseline(std::span<const std::uint16_t> ids, ChunkDims d,
                                    IdIndexer& indexer, std::span<std::uint8_t> out) {
  return encode_impl<false>(ids, d, indexer, out);
}

#if THETA_CODEC_HAVE_AVX2_KERNELS
THETA_AVX2_TARGET Result<EncodeStats> encode_v3(std::span<const std::uint16_t> ids, ChunkDims d,
                                                IdIndexer& indexer, std::span<std::uint8_t> out) {
  return encode_impl<true>(ids, d, indexer, out);
}
#endif

}  // namespace

std::size_t max_payload_size(ChunkDims dims) {
  // Worst case per voxel: a run code (44 bits) or an edge code (4), plus an escape (<= 34),
  // plus the two counts and the final byte.
  return dims.volume() * 78 / 8 + 16;
}

Result<EncodeStats> encode_ids(std::span<const std::uint16_t> ids, ChunkDims d, IdIndexer& indexer,
                               std::span<std::uint8_t> out, bool use_avx2) {
#if THETA_CODEC_HAVE_AVX2_KERNELS
  if (use_avx2) return encode_v3(ids, d, indexer, out);
#else
  (void)use_avx2;
#endif
  return encode_baseline(ids, d, indexer, out);
}

}  // namespace theta_net::codec::fast
