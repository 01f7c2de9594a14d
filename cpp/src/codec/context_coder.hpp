// The best neighbour-context coder (ChunkMode::kBest): every voxel coded with a binary
// arithmetic coder driven by context mixing.
//
// Model (per voxel, exact causal neighbours a=(x-1), b=(z-1), c=(y-1), the four diagonals
// d=(x-1,z-1), e=(x-1,y-1), g=(x+1,z-1), h=(x+1,y-1), f=(z-1,y-1), and a2, b2, c2 two steps away):
//   candidates = the distinct neighbour values, ranked by weighted vote (a, b, c count most);
//   for k = 0, 1, ...: one binary decision "the voxel is candidate k", until one is true;
//   if none is: an escape -- "a palette index not used yet?" and then its rank among the unused
//   ones (0 when the palette is in first-use order) or its position among the used ones.
// Each decision is predicted by four context models (neighbour equality patterns relative to the
// candidate, the candidate's palette index, the distance-2 neighbours) mixed in the logistic
// domain by a small online-trained mixer. Everything adapts within the chunk; no priors.
//
// Payload: the range coder's bytes (core/range_coder.hpp, flush()); nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "theta_net/codec/chunk_dims.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::codec::best {

std::size_t max_payload_size(ChunkDims dims);

// Palette indices (each < palette_size) -> payload; returns its size.
// Errors: kLimitExceeded (`out` is too small or the model's memory cannot be had).
Result<std::size_t> encode_indices(std::span<const std::uint16_t> indices, ChunkDims dims,
                                   std::uint32_t palette_size, std::span<std::uint8_t> out);

// Payload -> palette indices, every one < palette_size.
// Errors: kTruncated (the payload ends early), kCorrupt (an index beyond the palette, bytes
// after the payload, or the model's memory cannot be had).
Status decode_indices(std::span<const std::uint8_t> payload, ChunkDims dims,
                      std::uint32_t palette_size, std::span<std::uint16_t> out);

}  // namespace theta_net::codec::best
