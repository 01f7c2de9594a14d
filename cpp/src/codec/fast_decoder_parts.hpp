// Fast coder, decoder side, shared by its two passes (fast_decoder.cpp drives them):
//  1. fast_miss_parser.hpp parses the bitstream into two lists of miss events, one for flat
//     voxels and one for edge voxels: each event is the number of voxels of its class predicted
//     right before the miss, and the miss's code -- tight loops that touch no voxel data;
//  2. the row predictors (voxel by voxel in fast_decoder.cpp, 16 at a time with AVX2 in
//     fast_rows_avx2.cpp or with AVX-512 in fast_rows_avx512.cpp) predict the voxels and count each
//     class's voxels against its next event, so a row needs two popcounts to know whether any voxel
//     of it missed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bit_stream.hpp"
#include "escape_code.hpp"
#include "fast_models.hpp"
#include "hot_path.hpp"
#include "theta_net/codec/chunk_dims.hpp"

namespace theta_net::codec::fast {

// A miss event packed in 64 bits: the run of hits before it (low 32 bits) and its voxel code
// (high 32 bits: kCandidate + rank, kEscape + palette index, or kStopCode).
inline constexpr std::uint64_t event(std::uint32_t run, std::uint32_t code) {
  return std::uint64_t{code} << 32 | run;
}
inline constexpr std::uint32_t event_run(std::uint64_t e) {
  return static_cast<std::uint32_t>(e);
}
inline constexpr std::uint32_t event_code(std::uint64_t e) {
  return static_cast<std::uint32_t>(e >> 32);
}

// Each list ends with a stop event. The flat list's run never ends (the flat voxel count is
// not sent); the edge list's run is the edge voxels left after the last miss, so an edge voxel
// beyond the sent count reaches the stop code, which resolves to no value.
inline constexpr std::uint32_t kNoMoreMisses = 0x7FFFFFFF;
inline constexpr std::uint32_t kStopCode = 0x7FFF;

// Value of a miss other than a rank-0 candidate or an escape; kBadValue for a code that names
// no candidate, repeats the prediction, or stops.
inline constexpr std::uint32_t kBadValue = 0x10000;
std::uint32_t resolve_rare_miss(const NeighbourRows& nb, std::uint32_t x, std::uint32_t width,
                                std::uint16_t a, std::uint16_t pred, std::uint32_t code,
                                const std::uint16_t* palette);

// Where pass 2 stands in one event list.
struct EventCursor {
  const std::uint64_t* next;  // the next miss
  std::uint32_t left;         // hits of this class before it

  explicit EventCursor(const std::uint64_t* events) : next(events), left(event_run(*events)) {}
  // The next miss's code; moves to the one after it.
  THETA_FORCE_INLINE std::uint32_t take() {
    const std::uint32_t code = event_code(*next++);
    left = event_run(*next);
    return code;
  }
};

// The rank-0 candidate of a flat voxel (a == b == c == pred): the first diagonal neighbour that
// differs from the prediction (missing diagonals at the row ends count as the prediction), or
// the prediction itself when there is none (which then resolves to no value).
THETA_FORCE_INLINE std::uint32_t first_diagonal(const NeighbourRows& r, std::uint32_t x,
                                                std::uint32_t width, std::uint16_t pred) {
  const std::uint32_t left = x > 0 ? x - 1 : x, right = x + 1 < width ? x + 1 : x;
  std::uint32_t found = pred;
  auto keep_if_differs = [&](std::uint32_t value) { found = select(value != pred, value, found); };
  keep_if_differs(r.c[right]);  // (the row ends read the voxel itself: the prediction)
  keep_if_differs(r.b[right]);
  keep_if_differs(r.f[x]);
  keep_if_differs(r.c[left]);
  keep_if_differs(r.b[left]);
  return found;
}

// The value of a missed voxel from its code; `a` is its left neighbour, `p` its prediction.
// kBadValue if the code does not fit. Rank-0 candidates and escapes (nearly all misses) take
// no data-dependent branch.
THETA_FORCE_INLINE std::uint32_t miss_value(const NeighbourRows& nb, std::uint32_t x,
                                            std::uint32_t width, bool flat, std::uint16_t a,
                                            std::uint16_t p, std::uint32_t code,
                                            const std::uint16_t* palette) {
  if (THETA_UNLIKELY(code > kCandidate && code < kEscape) || code == kStopCode)
    return resolve_rare_miss(nb, x, width, a, p, code, palette);
  // An edge voxel's rank-0 candidate is the first of a, b, c that differs from the prediction.
  const std::uint16_t b = nb.b[x], c = nb.c[x];
  const std::uint32_t edge_candidate = select(a != p, a, select(b != p, b, c));
  const std::uint32_t candidate = select(flat, first_diagonal(nb, x, width, p), edge_candidate);
  const bool is_escape = code >= kEscape;
  const std::uint32_t index = select(is_escape, code - kEscape, 0);  // parser-checked
  const std::uint32_t value = select(is_escape, palette[index], candidate);
  return select(value == p, kBadValue, value);
}

// Pass 2 with AVX2 for 16-wide boxes: predicts every voxel of `out` (the palette's ids) and
// returns the CRC32C of the result (as crc32c() would), or nothing if the misses do not fit
// the voxels. The same ids as the voxel-by-voxel loop in fast_decoder.cpp.
#if THETA_CODEC_HAVE_AVX2_KERNELS
// `use_pdep`: place the misses with BMI2 pdep (fast on Intel and AMD Zen 3+) rather than with a
// byte table.
bool predict_rows16_avx2(ChunkDims d, const std::uint16_t* palette, EventCursor& flat,
                         EventCursor& edge, std::uint16_t* out, std::uint32_t& crc, bool use_pdep);
#endif

}  // namespace theta_net::codec::fast
