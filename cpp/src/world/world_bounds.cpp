#include "theta_net/world/world_bounds.hpp"

#include <algorithm>
#include <utility>

#include "theta_net/world/chunk_geometry.hpp"

namespace theta_net::world {

ChunkFiller bounded_filler(ChunkFiller inner, WorldBounds bounds) {
  if (!bounds.bounded()) return inner;
  return [inner = std::move(inner), bounds](ChunkPos pos, std::span<BlockId, kChunkVolume> out) {
    const std::int32_t x0 = pos.x * kChunkSize;
    const std::int32_t z0 = pos.z * kChunkSize;
    const bool all_in = bounds.contains(x0, z0) && bounds.contains(x0 + kChunkSize - 1, z0) &&
                        bounds.contains(x0, z0 + kChunkSize - 1) &&
                        bounds.contains(x0 + kChunkSize - 1, z0 + kChunkSize - 1);
    bool any_in = false;
    for (std::int32_t z = 0; z < kChunkSize && !any_in; ++z) {
      for (std::int32_t x = 0; x < kChunkSize && !any_in; ++x) {
        any_in = bounds.contains(x0 + x, z0 + z);
      }
    }
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
