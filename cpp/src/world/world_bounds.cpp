#include "theta_net/world/world_bounds.hpp"

#include <algorithm>
#include <utility>

#include "theta_net/world/chunk_geometry.hpp"

namespace theta_net::world {

ChunkFiller bounded_filler(ChunkFiller inner, WorldBounds bounds) {
  if (!bounds.bounded()) return inner;
  return [inner = std::move(inner), bounds](ChunkPos pos, std::span<BlockId, kChunkVolume> out) {
    // The chunk's columns [x0, x0 + 16) x [z0, z0 + 16) against the bounds' [lo, hi) ranges.
    const std::int32_t x0 = pos.x * kChunkSize;
    const std::int32_t z0 = pos.z * kChunkSize;
    const std::int32_t x_lo = WorldBounds::low(bounds.size_x),
                       x_hi = WorldBounds::high(bounds.size_x);
    const std::int32_t z_lo = WorldBounds::low(bounds.size_z),
                       z_hi = WorldBounds::high(bounds.size_z);
    const bool any_in = x0 < x_hi && x0 + kChunkSize > x_lo && z0 < z_hi && z0 + kChunkSize > z_lo;
    const bool all_in =
        x0 >= x_lo && x0 + kChunkSize <= x_hi && z0 >= z_lo && z0 + kChunkSize <= z_hi;
    if (!any_in) {  // beyond the edge: the generator is not even run
      std::fill(out.begin(), out.end(), blocks::kAir);
      return;
    }
    inner(pos, out);
    if (all_in) return;
    for (std::int32_t y = 0; y < kChunkSize; ++y) {
      for (std::int32_t z = 0; z < kChunkSize; ++z) {
        for (std::int32_t x = 0; x < kChunkSize; ++x) {
          if (!bounds.contains(x0 + x, z0 + z)) {
            out[index_in_chunk({x, y, z})] = blocks::kAir;
          }
        }
      }
    }
  };
}

}  // namespace theta_net::world
