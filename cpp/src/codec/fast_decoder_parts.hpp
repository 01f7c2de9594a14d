// Fast coder, decoder side, shared by its two passes (fast_decoder.cpp drives them):
//  1. fast_miss_parser.cpp parses the flat misses (run, code) and the edge voxels' codes from
//     the bitstream into arrays -- tight loops that touch no voxel data;
//  2. the row predictors (scalar in fast_decoder.cpp, AVX2 in fast_rows_avx2.cpp) predict the
//     voxels row by row and take the next miss from those arrays where the prediction is wrong.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bit_stream.hpp"
#include "escape_code.hpp"
#include "fast_models.hpp"
#include "hot_path.hpp"
#include "theta_net/codec/chunk_dims.hpp"

namespace theta_net::codec::fast {

// Flat misses are 64-bit events: the flat run before the miss (low 32 bits) and its voxel code
// (high 32 bits). The list ends with two sentinels whose run never ends.
inline constexpr std::uint32_t kNoMoreMisses = 0x7FFFFFFF;
inline constexpr std::uint64_t kSentinelEvent = kNoMoreMisses;
// Edge codes are followed by this many stop codes, so the decoder can always read 16 codes and
// never consumes past the end (a stop code is not a hit and fails to resolve).
inline constexpr std::size_t kEdgePadding = 16;
inline constexpr std::uint16_t kStopCode = 0x7FFF;  // positive as int16: survives packus

// Pass 1. Each returns false on a malformed stream (truncation shows in reader.overran()).
// `events` needs room for count + 2 entries, `codes` for count + kEdgePadding.
bool parse_flat_misses(BitStreamReader& reader, std::uint32_t count, std::uint32_t palette_size,
                       EscapeState& esc, std::uint64_t* events);
bool parse_edge_codes(BitStreamReader& reader, std::uint32_t count, std::uint32_t palette_size,
                      EscapeState& esc, std::uint16_t* codes);

// Value of a miss other than "outvoted neighbour": a diagonal candidate or a palette entry;
// kBadValue for a code that names no candidate, repeats the prediction, or stops.
inline constexpr std::uint32_t kBadValue = 0x10000;
std::uint32_t resolve_rare_miss(const NeighbourRows& nb, std::uint32_t x, std::uint32_t width,
                                std::uint16_t a, std::uint16_t pred, std::uint32_t code,
                                const std::uint16_t* palette);

// Pass 2 state: where the decoder stands in the flat events and the edge codes.
struct MissCursor {
  const std::uint64_t* flat_event;  // next flat miss
  std::uint32_t flat_left;          // flat hits before it
  const std::uint16_t* code;        // next edge voxel's code

  // The next flat miss's code; loads the run before the one after it.
  THETA_FORCE_INLINE std::uint32_t take_flat_miss() {
    const auto miss_code = static_cast<std::uint32_t>(*flat_event++ >> 32);
    flat_left = static_cast<std::uint32_t>(*flat_event);
    return miss_code;
  }
};

// The value of a missed voxel from its code; `a` is its left neighbour, `p` its prediction.
// kBadValue if the code does not fit. Candidate 0 and escapes (nearly all misses) take no
// data-dependent branch beyond the choice between them.
THETA_FORCE_INLINE std::uint32_t miss_value(const NeighbourRows& nb, std::uint32_t x,
                                            std::uint32_t width, std::uint16_t a, std::uint16_t p,
                                            std::uint32_t code, const std::uint16_t* palette) {
  if (THETA_UNLIKELY(code > kCandidate && code < kEscape) || code == kStopCode)
    return resolve_rare_miss(nb, x, width, a, p, code, palette);
  const bool is_escape = code >= kEscape;
  const std::uint32_t index = select(is_escape, code - kEscape, 0);  // parser-checked
  const std::uint32_t value =
      select(is_escape, palette[index], first_candidate(nb, x, width, a, p));
  return select(value == p || value > 0xFFFF, kBadValue, value);
}

// Pass 2: predict every voxel of `out` (the palette's ids). Both return false if the misses do
// not fit the voxels; they give the same result for every input.
bool predict_rows_scalar(ChunkDims d, const std::uint16_t* palette, MissCursor& cur,
                         std::uint16_t* out);
#if THETA_CODEC_HAVE_AVX2_KERNELS
bool predict_rows16_avx2(ChunkDims d, const std::uint16_t* palette, MissCursor& cur,
                         std::uint16_t* out);  // d.x == 16 only
#endif

}  // namespace theta_net::codec::fast
