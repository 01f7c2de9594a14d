// A world of a given width and depth: `size_x` by `size_z` blocks centred on the origin (x in
// [-size_x/2, size_x - size_x/2), likewise z). Outside it every block is air: nothing to stand
// on or build against, and a player who walks off the edge drops to the floor below the world.
// Zero sizes mean an unbounded world.
#pragma once

#include <cstdint>

#include "theta_net/world/chunk_store.hpp"

namespace theta_net::world {

struct WorldBounds {
  std::int32_t size_x = 0;
  std::int32_t size_z = 0;
  static constexpr std::int32_t kMaxSize = 1 << 24;  // blocks; beyond this a bound means nothing

  bool bounded() const { return size_x > 0 && size_z > 0; }
  // The first coordinate inside and the first beyond, on an axis of `size` blocks.
  static constexpr std::int32_t low(std::int32_t size) { return -(size / 2); }
  static constexpr std::int32_t high(std::int32_t size) { return size - size / 2; }

  bool contains(std::int32_t x, std::int32_t z) const {
    return !bounded() ||
           (x >= low(size_x) && x < high(size_x) && z >= low(size_z) && z < high(size_z));
  }
};

// `inner` inside the bounds, air outside (`inner` itself when the world is unbounded).
ChunkFiller bounded_filler(ChunkFiller inner, WorldBounds bounds);

}  // namespace theta_net::world
