// Fast coder, decoder: parses the misses (pass 1), then predicts the voxels (pass 2): 16-wide
// boxes with the AVX-512 row kernel (the misses parsed into per-class bits) or the AVX2 one (into
// event lists) on CPUs that have them, everything else voxel by voxel. The whole decoder is
// compiled from one inline body three times: for baseline x86-64, for x86-64-v3 (where popcount,
// tzcnt and the bit-field instructions are single instructions, not library calls), and with
// AVX-512 on top.

#include "fast_coder.hpp"
#include "fast_decoder_parts.hpp"
#include "fast_miss_bits.hpp"
#include "fast_miss_parser.hpp"
#include "scratch_buffer.hpp"
#include "theta_net/core/crc32c.hpp"

namespace theta_net::codec::fast {
namespace {

// Voxel by voxel: any width, and CPUs without AVX2.
THETA_FORCE_INLINE bool predict_rows_scalar(ChunkDims d, const std::uint16_t* palette,
                                            EventCursor& flat, EventCursor& edge,
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
        const bool is_flat_voxel = is_flat(a, b, c);
        EventCursor& cur = is_flat_voxel ? flat : edge;
        std::uint32_t value = p;
        if (THETA_LIKELY(cur.left != 0)) {
          --cur.left;
        } else {
          value = miss_value(nb, x, d.x, is_flat_voxel, a, p, cur.take(), palette);
          if (value == kBadValue) return false;
        }
        row[x] = a = static_cast<std::uint16_t>(value);
      }
    }
  return true;
}

Error truncated() {
  return make_error(ErrorCode::kTruncated, "fast payload ends early");
}

Error misses_do_not_fit() {
  return make_error(ErrorCode::kCorrupt, "fast payload's misses do not fit the voxels");
}

// Pass 1's verdicts, whichever form it wrote the misses in.
// Errors: kTruncated (the payload ends early), kOutOfRange (an escape beyond the palette),
// kCorrupt (bits or bytes after the codes).
THETA_FORCE_INLINE Status check_parsed(const BitStreamReader& r, bool flat_ok,
                                       std::int64_t edge_misses, std::uint32_t palette_size) {
  if (r.overran()) return truncated();
  if (!flat_ok || edge_misses < 0) {
    return make_error(ErrorCode::kOutOfRange, "fast payload escapes to a palette index beyond ",
                      palette_size, " entries");
  }
  if (!r.finished_exactly()) {
    return make_error(ErrorCode::kCorrupt, "fast payload has bytes or bits after its codes");
  }
  return {};
}

// The misses as event lists, then the AVX2 row kernel (16-wide boxes, kAvx2) or the voxel-by-
// voxel one.
// Errors: those of check_parsed; kLimitExceeded (no memory for the event lists), kCorrupt (the
// misses do not fit the voxels).
template <bool kAvx2>
THETA_FORCE_INLINE Status decode_with_events(BitStreamReader& r, std::uint32_t flat_misses,
                                             std::uint32_t edge_voxels, ChunkDims d,
                                             std::span<const std::uint16_t> palette,
                                             std::span<std::uint16_t> out, bool use_pdep,
                                             std::uint32_t& crc) {
  // Room for every event, the stop event, and one more stop event that a decoder taking the
  // stop event reads (it fails there, but reads the next run first).
  ScratchBuffer<std::uint64_t, 1024> flat_events(std::size_t{flat_misses} + 2);
  ScratchBuffer<std::uint64_t, 1024> edge_events(std::size_t{edge_voxels} + 2);
  if (!flat_events.data() || !edge_events.data()) {
    return make_error(ErrorCode::kLimitExceeded, "out of memory for the fast decoder's scratch");
  }
  const auto palette_size = static_cast<std::uint32_t>(palette.size());
  EscapeState esc;
  const bool flat_ok =
      parse_flat_misses(r, flat_misses, palette_size, esc, EventSink{flat_events.data()});
  const std::int64_t edge_misses =
      parse_edge_misses(r, edge_voxels, palette_size, esc, EventSink{edge_events.data()});
  THETA_TRY(check_parsed(r, flat_ok, edge_misses, palette_size));
  flat_events.data()[flat_misses + 1] = edge_events.data()[edge_misses + 1] = event(0, kStopCode);
  EventCursor flat(flat_events.data()), edge(edge_events.data());
  bool fits;
  bool have_crc = false;
#if THETA_CODEC_HAVE_AVX2_KERNELS
  if (kAvx2 && d.x == 16) {
    fits = predict_rows16_avx2(d, palette.data(), flat, edge, out.data(), crc, use_pdep);
    have_crc = true;
  } else {
    fits = predict_rows_scalar(d, palette.data(), flat, edge, out.data());
  }
#else
  (void)use_pdep;
  fits = predict_rows_scalar(d, palette.data(), flat, edge, out.data());
#endif
  // Every miss must have been used, and exactly the sent number of edge voxels seen.
  const bool all_used = flat.next == flat_events.data() + flat_misses &&
                        edge.next == edge_events.data() + edge_misses && edge.left == 0;
  if (!fits || !all_used) return misses_do_not_fit();
  if (!have_crc) crc = crc32c(out.data(), out.size() * 2);
  return {};
}

#if THETA_CODEC_HAVE_AVX2_KERNELS
// The misses as per-class bits (fast_miss_bits.hpp), then the AVX-512 row kernel; 16-wide boxes.
// Errors: those of decode_with_events.
THETA_FORCE_INLINE Status decode_with_bits(BitStreamReader& r, std::uint32_t flat_misses,
                                           std::uint32_t edge_voxels, ChunkDims d,
                                           std::span<const std::uint16_t> palette,
                                           std::span<std::uint16_t> out, std::uint32_t& crc) {
  MissBits misses(static_cast<std::uint32_t>(d.volume()), flat_misses, edge_voxels);
  if (!misses.ok()) {
    return make_error(ErrorCode::kLimitExceeded, "out of memory for the fast decoder's scratch");
  }
  const auto palette_size = static_cast<std::uint32_t>(palette.size());
  EscapeState esc;
  const bool flat_ok =
      parse_flat_misses(r, flat_misses, palette_size, esc, misses.flat_sink(palette.data()));
  const std::int64_t edge_misses =
      parse_edge_misses(r, edge_voxels, palette_size, esc, misses.edge_sink(palette.data()));
  THETA_TRY(check_parsed(r, flat_ok, edge_misses, palette_size));
  if (!predict_rows16_avx512(d, palette.data(), misses, out.data(), crc)) {
    return misses_do_not_fit();
  }
  return {};
}
#endif

enum class Isa { kBaseline, kV3, kV4 };

// Errors: those of decode_with_events; kTruncated or kCorrupt (counts beyond the box).
template <Isa kIsa>
THETA_FORCE_INLINE Status decode_impl(std::span<const std::uint8_t> payload, ChunkDims d,
                                      std::span<const std::uint16_t> palette,
                                      std::span<std::uint16_t> out, bool use_pdep,
                                      std::uint32_t& crc) {
  BitStreamReader r(payload);
  r.refill();
  const std::uint32_t flat_misses = get_gamma(r) - 1;
  r.refill();
  const std::uint32_t edge_voxels = get_gamma(r) - 1;
  // (A malformed gamma reads as 0 - 1 = huge.)
  if (flat_misses >= d.volume() || edge_voxels > d.volume()) {
    if (r.overran()) return truncated();
    return make_error(ErrorCode::kCorrupt, "fast payload counts (", flat_misses, " misses, ",
                      edge_voxels, " edge voxels) exceed the ", d.volume(), " voxels");
  }
#if THETA_CODEC_HAVE_AVX2_KERNELS
  if constexpr (kIsa == Isa::kV4) {
    if (d.x == 16) return decode_with_bits(r, flat_misses, edge_voxels, d, palette, out, crc);
  }
#endif
  return decode_with_events<kIsa != Isa::kBaseline>(r, flat_misses, edge_voxels, d, palette, out,
                                                    use_pdep, crc);
}

Status decode_baseline(std::span<const std::uint8_t> payload, ChunkDims d,
                       std::span<const std::uint16_t> palette, std::span<std::uint16_t> out,
                       std::uint32_t& crc) {
  return decode_impl<Isa::kBaseline>(payload, d, palette, out, false, crc);
}

#if THETA_CODEC_HAVE_AVX2_KERNELS
THETA_AVX2_TARGET Status decode_v3(std::span<const std::uint8_t> payload, ChunkDims d,
                                   std::span<const std::uint16_t> palette,
                                   std::span<std::uint16_t> out, bool use_pdep,
                                   std::uint32_t& crc) {
  return decode_impl<Isa::kV3>(payload, d, palette, out, use_pdep, crc);
}

// The same for CPUs with the AVX-512 row kernel (it uses pdep, fast wherever AVX-512 is).
THETA_AVX512_TARGET Status decode_v4(std::span<const std::uint8_t> payload, ChunkDims d,
                                     std::span<const std::uint16_t> palette,
                                     std::span<std::uint16_t> out, std::uint32_t& crc) {
  return decode_impl<Isa::kV4>(payload, d, palette, out, true, crc);
}
#endif

}  // namespace

Status decode_ids(std::span<const std::uint8_t> payload, ChunkDims d,
                  std::span<const std::uint16_t> palette, std::span<std::uint16_t> out,
                  const Kernels& kernels, std::uint32_t& crc) {
#if THETA_CODEC_HAVE_AVX2_KERNELS
  if (kernels.avx512) return decode_v4(payload, d, palette, out, crc);
  if (kernels.avx2) return decode_v3(payload, d, palette, out, kernels.pdep, crc);
#else
  (void)kernels;
#endif
  return decode_baseline(payload, d, palette, out, crc);
}

}  // namespace theta_net::codec::fast
