// Fast coder, decoder: parses the misses (pass 1), then predicts the voxels (pass 2) with the
// AVX2 row kernel for 16-wide boxes on CPUs that have it, voxel by voxel otherwise.

#include "fast_coder.hpp"
#include "fast_decoder_parts.hpp"
#include "scratch_buffer.hpp"

namespace theta_net::codec::fast {

// Voxel by voxel: any width, and CPUs without AVX2.
bool predict_rows_scalar(ChunkDims d, const std::uint16_t* palette, MissCursor& cur,
                         std::uint16_t* out) {
  std::uint16_t virtual_row[kMaxSide];
  for (std::uint32_t x = 0; x < d.x; ++x) virtual_row[x] = palette[0];
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z) {
      std::uint16_t* row = out + (std::size_t{y} * d.z + z) * d.x;
      const NeighbourRows nb = neighbour_rows(out, d, y, z, virtual_row);
      std::uint16_t a = nb.b[0];
      for (std::uint32_t x = 0; x < d.x; ++x) {
        const std::uint16_t b = nb.b[x], c = nb.c[x], p = predict(a, b, c);
        std::uint32_t code = kHit;
        if (is_flat(a, b, c)) {
          if (THETA_LIKELY(cur.flat_left != 0)) {
            --cur.flat_left;
          } else {
            code = cur.take_flat_miss();
          }
        } else {
          code = *cur.code++;
        }
        std::uint32_t value = p;
        if (code != kHit) {
          value = miss_value(nb, x, d.x, a, p, code, palette);
          if (value == kBadValue) return false;
        }
        row[x] = a = static_cast<std::uint16_t>(value);
      }
    }
  return true;
}

Status decode_ids(std::span<const std::uint8_t> payload, ChunkDims d,
                  std::span<const std::uint16_t> palette, std::span<std::uint16_t> out,
                  bool use_avx2) {
  BitStreamReader r(payload);
  r.refill();
  const std::uint32_t flat_misses = get_gamma(r) - 1;
  r.refill();
  const std::uint32_t edge_voxels = get_gamma(r) - 1;
  // (A malformed gamma reads as 0 - 1 = huge.)
  if (flat_misses >= d.volume() || edge_voxels > d.volume()) {
    if (r.overran()) return make_error(ErrorCode::kTruncated, "fast payload ends in its counts");
    return make_error(ErrorCode::kCorrupt, "fast payload counts (", flat_misses, " misses, ",
                      edge_voxels, " edge voxels) exceed the ", d.volume(), " voxels");
  }

  ScratchBuffer<std::uint64_t, 1024> flat_events(std::size_t{flat_misses} + 2);
  ScratchBuffer<std::uint16_t, 4096 + kEdgePadding> edge_codes(std::size_t{edge_voxels} +
                                                               kEdgePadding);
  if (!flat_events.data() || !edge_codes.data()) {
    return make_error(ErrorCode::kLimitExceeded, "out of memory for the fast decoder's scratch");
  }
  const auto palette_size = static_cast<std::uint32_t>(palette.size());
  EscapeState esc;
  const bool parsed = parse_flat_misses(r, flat_misses, palette_size, esc, flat_events.data()) &&
                      parse_edge_codes(r, edge_voxels, palette_size, esc, edge_codes.data());
  if (r.overran()) return make_error(ErrorCode::kTruncated, "fast payload ends early");
  if (!parsed) {
    return make_error(ErrorCode::kOutOfRange, "fast payload escapes to a palette index beyond ",
                      palette_size, " entries");
  }
  if (!r.finished_exactly()) {
    return make_error(ErrorCode::kCorrupt, "fast payload has bytes or bits after its codes");
  }
  MissCursor cursor{flat_events.data(), static_cast<std::uint32_t>(flat_events.data()[0]),
                    edge_codes.data()};
  bool fits;
#if THETA_CODEC_HAVE_AVX2_KERNELS
  if (use_avx2 && d.x == 16) {
    fits = predict_rows16_avx2(d, palette.data(), cursor, out.data());
  } else {
    fits = predict_rows_scalar(d, palette.data(), cursor, out.data());
  }
#else
  (void)use_avx2;
  fits = predict_rows_scalar(d, palette.data(), cursor, out.data());
#endif
  // Every miss must have been used, at a voxel where it names a value.
  const bool all_used =
      *cursor.flat_event == kSentinelEvent && cursor.code == edge_codes.data() + edge_voxels;
  if (!fits || !all_used) {
    return make_error(ErrorCode::kCorrupt, "fast payload's misses do not fit the voxels");
  }
  return {};
}

}  // namespace theta_net::codec::fast
