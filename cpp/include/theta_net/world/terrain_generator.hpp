// A deterministic, seeded terrain generator, so tests, benchmarks and scenarios have worlds
// without files. Every block is a function of (seed, kind, world position) alone, computed with
// integer noise (no floating point), so the same seed gives the same ids on every machine, and
// a box gives the same ids however it is cut into chunks.
//
//   superflat  bedrock at y = 0, dirt at 1..2, grass at 3, air above
//   hills      heights from three octaves of value noise around a sea level; stone under a few
//              blocks of dirt and grass (sand and gravel at and under the water), water up to
//              the sea level, bedrock at the bottom, caves carved where two 3D noises are both
//              near their middle, ore veins (coal, iron, gold, diamond by depth) and trees
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "theta_net/world/block.hpp"
#include "theta_net/world/chunk_geometry.hpp"
#include "theta_net/world/chunk_store.hpp"

namespace theta_net::world {

enum class TerrainKind : std::uint8_t { kSuperflat, kHills };

// The generators' names, indexed by TerrainKind: scenario files, stream headers ("terrain") and
// Python (theta_net._core.terrain_names) use these and no others.
inline constexpr std::array<std::string_view, 2> kTerrainNames = {"superflat", "hills"};

std::optional<TerrainKind> terrain_named(std::string_view name);
constexpr std::string_view terrain_name(TerrainKind kind) {
  return kTerrainNames[static_cast<std::size_t>(kind)];
}

struct TerrainConfig {
  std::uint64_t seed = 0;
  TerrainKind kind = TerrainKind::kHills;
  std::int32_t sea_level = 62;  // water fills air at or below it (hills)
};

// The size of a box of blocks, Y,Z,X order (x fastest).
struct BoxSize {
  std::uint32_t y = kChunkSize, z = kChunkSize, x = kChunkSize;
  constexpr std::size_t volume() const { return std::size_t{y} * z * x; }
};

class TerrainGenerator {
 public:
  explicit TerrainGenerator(TerrainConfig config = {}) : config_(config) {}

  // The blocks of the box whose lowest corner is `origin`, into `out` (size.volume() ids).
  void fill_box(BlockPos origin, BoxSize size, std::span<BlockId> out) const;
  // One 16^3 chunk; the signature ChunkStore's filler takes.
  void fill_chunk(ChunkPos pos, std::span<BlockId, kChunkVolume> out) const;
  // A ChunkStore filler running this generator (a copy of it).
  ChunkFiller filler() const;

  BlockId block_at(BlockPos pos) const;  // one block (slow; for tests and tools)
  // The highest ground block of the column (hills: before caves and trees; superflat: 3).
  std::int32_t ground_height(std::int32_t x, std::int32_t z) const;

  const TerrainConfig& config() const { return config_; }

 private:
  TerrainConfig config_;
};

}  // namespace theta_net::world
