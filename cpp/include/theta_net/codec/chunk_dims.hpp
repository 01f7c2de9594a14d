// The size of a box of voxels, stored in Y,Z,X order (x fastest: index = (y * z_size + z) *
// x_size + x), and the limits every codec call checks: each side 1..512, at most 2^20 voxels,
// at most 4,096 distinct ids for the palette modes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace theta_net::codec {

inline constexpr std::uint32_t kMaxSide = 512;
inline constexpr std::size_t kMaxVoxels = std::size_t{1} << 20;
inline constexpr std::uint32_t kMaxPalette = 4096;

struct ChunkDims {
  std::uint32_t y = 0, z = 0, x = 0;

  constexpr std::size_t volume() const { return std::size_t{y} * z * x; }
  constexpr bool valid() const {
    return y >= 1 && z >= 1 && x >= 1 && y <= kMaxSide && z <= kMaxSide && x <= kMaxSide &&
           volume() <= kMaxVoxels;
  }
  constexpr bool operator==(const ChunkDims&) const = default;
};

// A 16x16x16 section, the world's chunk.
inline constexpr ChunkDims kSectionDims{16, 16, 16};

}  // namespace theta_net::codec
