// Where blocks live: the world is cut into 16x16x16 sections ("chunks" on the wire), each stored
// as 4,096 block ids in YZX order (index = y*256 + z*16 + x), as Minecraft and the shared corpus
// do. Block and chunk coordinates are signed; chunk = floor(block / 16).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>

namespace theta_net::world {

inline constexpr int kChunkSize = 16;
inline constexpr std::size_t kChunkVolume = 16 * 16 * 16;

struct BlockPos {
  std::int32_t x = 0, y = 0, z = 0;
  auto operator<=>(const BlockPos&) const = default;
};

// Ordered by (x, z, y): chunks of one column sort together, and maps of chunks iterate in a
// deterministic order.
struct ChunkPos {
  std::int32_t x = 0, y = 0, z = 0;
  auto operator<=>(const ChunkPos& o) const {
    if (auto c = x <=> o.x; c != 0) return c;
    if (auto c = z <=> o.z; c != 0) return c;
    return y <=> o.y;
  }
  bool operator==(const ChunkPos&) const = default;
};

constexpr std::int32_t floor_div16(std::int32_t v) {
  return v >> 4;
}  // arithmetic shift = floor
constexpr int mod16(std::int32_t v) {
  return v & 15;
}

constexpr ChunkPos chunk_of(BlockPos b) {
  return {floor_div16(b.x), floor_div16(b.y), floor_div16(b.z)};
}
// Index of a block inside its chunk, YZX order.
constexpr std::size_t index_in_chunk(BlockPos b) {
  return static_cast<std::size_t>(mod16(b.y) * 256 + mod16(b.z) * 16 + mod16(b.x));
}
constexpr BlockPos chunk_origin(ChunkPos c) {
  return {c.x * 16, c.y * 16, c.z * 16};
}

}  // namespace theta_net::world
