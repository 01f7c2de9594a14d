// The fast neighbour-context coder (ChunkMode::kFast): flat-run lengths plus per-voxel prefix
// codes, no arithmetic coding.
//
// Every voxel is predicted from its causal neighbours a = (x-1), b = (z-1), c = (y-1)
// (voxel_neighbours.hpp): pred = (b == c) ? b : a. Voxels with a == b == c ("flat", ~80% of
// terrain, ~98% predicted right) are sent as run lengths between mispredictions; all other
// voxels ("edge", ~20%, ~68% right) get one short code each.
//
// Payload (LSB-first bits, zero padded to a byte):
//   gamma(M + 1)                       -- M = number of mispredicted flat voxels
//   gamma(E + 1)                       -- E = number of edge voxels
//   M times: Rice(run)                 -- flat voxels predicted right since the previous miss
//                                         (adaptive Rice parameter, adaptive_codes.hpp)
//            kFlatMissCode(symbol)     -- 0..2: neighbour candidate of that rank, 3: escape
//            [escape: EscapeState code of the palette index]
//   E times: kEdgeCode(symbol)         -- '0' hit, '10' candidate 0, '1110'/'1111' candidates
//            [escape: ...]                1/2, '110' escape
// After the last miss all flat voxels are predicted right. Escapes update one seen-set in
// stream order (flat part first). The counts let the decoder parse both parts in tight loops
// before it touches any voxel (fast_miss_parser.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "cpu_features.hpp"
#include "palette.hpp"
#include "theta_net/codec/chunk_dims.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::codec::fast {

// Upper bound of the payload size, for sizing output buffers.
std::size_t max_payload_size(ChunkDims dims);

struct EncodeStats {
  std::size_t size = 0;           // payload bytes
  std::uint32_t linear_runs = 0;  // runs of equal ids in scan order (bounds the run mode's size)
};

// Encodes block ids; palette indices come from `indexer`, which is consulted only on escapes
// (a few dozen times per section), never per voxel. More than kMaxPalette ids show as indexer
// overflow, not as an error.
// Errors: kLimitExceeded (`out` is too small or scratch memory cannot be had).
Result<EncodeStats> encode_ids(std::span<const std::uint16_t> ids, ChunkDims dims,
                               IdIndexer& indexer, std::span<std::uint8_t> out, bool use_avx2);

// Decodes a payload into block ids (palette[index]) and their CRC32C (as crc32c() of `out`;
// the AVX2 kernel computes it as it goes). Never reads outside `payload` or writes outside
// out[0, dims.volume()); every id written is a palette entry.
// Errors: kTruncated (the payload ends early), kCorrupt (counts over the voxel count, misses
// that do not fit the voxels, bytes or bits after the codes), kOutOfRange (an escape to an index
// beyond the palette), kLimitExceeded (scratch memory cannot be had).
Status decode_ids(std::span<const std::uint8_t> payload, ChunkDims dims,
                  std::span<const std::uint16_t> palette, std::span<std::uint16_t> out,
                  const Kernels& kernels, std::uint32_t& crc);

}  // namespace theta_net::codec::fast
