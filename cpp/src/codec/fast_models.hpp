// Shared definitions of the fast preset's bitstream (see fast_coder.hpp), used by its encoder
// and decoder so that both adapt identically.
#pragma once

#include <cstdint>

#include "adaptive_codes.hpp"
#include "voxel_neighbours.hpp"

namespace theta_net::codec::fast {

// Voxel codes, shared by both groups: what the voxel is relative to its prediction.
inline constexpr std::uint32_t kHit = 0;        // the prediction
inline constexpr std::uint32_t kCandidate = 1;  // kCandidate + r: neighbour candidate of rank r
inline constexpr std::uint32_t kEscape = kCandidate + kMaxCandidates;  // kEscape + palette index

// Flat voxels (a == b == c, ~80% of terrain) hit ~98% of the time: their misses are sent as
// run lengths. Codes of flat misses, most likely first: new material (ore, cave, ...) is about
// as likely as a diagonal neighbour's value.
// Symbol s < 3 is candidate rank s, symbol 3 an escape.
inline constexpr PrefixCode kFlatMissCode({
    {0, 1},  // rank 0: '0'
    {3, 3},  // rank 1: '110'
    {7, 3},  // rank 2: '111'
    {1, 2},  // escape: '10'
});
inline constexpr unsigned kFlatSymbolEscape = 3;

// Edge voxels (the rest) hit ~68% of the time: each gets its own code, which costs about what
// runs would and lets the decoder check 16 voxels' codes at once. Symbol s < 4 is voxel code s,
// symbol 4 an escape.
inline constexpr PrefixCode kEdgeCode({
    {0, 1},   // hit: '0'
    {1, 2},   // rank 0 (the outvoted neighbour): '10'
    {7, 4},   // rank 1: '1110'
    {15, 4},  // rank 2: '1111'
    {3, 3},   // escape: '110'
});
inline constexpr unsigned kEdgeSymbolEscape = 4;

// Starting point of the flat run-length parameter (it adapts within a few runs).
inline RiceModel initial_flat_run_model() {
  return RiceModel(48);
}

}  // namespace theta_net::codec::fast
