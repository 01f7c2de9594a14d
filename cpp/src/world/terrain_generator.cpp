#include "theta_net/world/terrain_generator.hpp"

#include <algorithm>
#include <vector>

#include "terrain_noise.hpp"

namespace theta_net::world {
namespace {

using noise::kOne;

// Purposes of the noise and hash streams (salts): changing one changes only its feature.
enum Salt : std::uint64_t {
  kHeight64 = 1,
  kHeight32,
  kHeight16,
  kCaveA,
  kCaveB,
  kOreCell,
  kBedrock,
  kDirtDepth,
  kTree,
};

constexpr int kTreeReach = 2;           // leaves spread this far from the trunk
constexpr std::int32_t kCaveCover = 5;  // caves stay this far below the ground
constexpr std::int32_t kCaveFloor = 4;  // and above this height

// Ground height: 40..111, from three octaves (64, 32 and 16 blocks).
std::int32_t hills_height(std::uint64_t seed, std::int64_t x, std::int64_t z) {
  const std::int64_t n = 40 * noise::value2(seed, kHeight64, x, z, 6) +
                         22 * noise::value2(seed, kHeight32, x, z, 5) +
                         10 * noise::value2(seed, kHeight16, x, z, 4);
  return 40 + static_cast<std::int32_t>(n >> 16);
}

// Tunnels: where two independent 3D noises are both within a band around their middle.
bool is_cave(std::uint64_t seed, std::int64_t x, std::int64_t y, std::int64_t z) {
  constexpr std::int64_t kBand = kOne * 6 / 100;
  const std::int64_t a = noise::value3(seed, kCaveA, x, y, z, 4) - kOne / 2;
  if (a < -kBand || a > kBand) return false;
  const std::int64_t b = noise::value3(seed, kCaveB, x, y, z, 4) - kOne / 2;
  return b >= -kBand && b <= kBand;
}

// Ore veins: each 8^3 cell may hold one small vein of an ore its depth allows, centred well
// inside the cell (so a vein never crosses a cell and a block checks one cell only).
BlockId ore_at(std::uint64_t seed, std::int64_t x, std::int64_t y, std::int64_t z) {
  const std::int64_t cx = x >> 3, cy = y >> 3, cz = z >> 3;
  const std::uint64_t h = noise::hash(seed, kOreCell, cx, cy, cz);
  const std::int64_t cell_y = cy * 8;
  const unsigned roll = static_cast<unsigned>(h % 1000);
  BlockId ore = blocks::kAir;
  if (cell_y < 16 && roll < 70) {
    ore = blocks::kDiamondOre;
  } else if (cell_y < 32 && roll < 160) {
    ore = blocks::kGoldOre;
  } else if (cell_y < 64 && roll < 330) {
    ore = blocks::kIronOre;
  } else if (cell_y < 104 && roll < 600) {
    ore = blocks::kCoalOre;
  }
  if (ore == blocks::kAir) return ore;
  const std::int64_t ox = 2 + static_cast<std::int64_t>(h >> 16 & 3);
  const std::int64_t oy = 2 + static_cast<std::int64_t>(h >> 18 & 3);
  const std::int64_t oz = 2 + static_cast<std::int64_t>(h >> 20 & 3);
  const std::int64_t dx = x - cx * 8 - ox, dy = y - cell_y - oy, dz = z - cz * 8 - oz;
  const std::int64_t reach = ore == blocks::kCoalOre ? 3 : 2;  // Manhattan radius
  return (dx < 0 ? -dx : dx) + (dy < 0 ? -dy : dy) + (dz < 0 ? -dz : dz) <= reach &&
                 (noise::hash(seed, kOreCell, x, y, z) & 3) != 0
             ? ore
             : blocks::kAir;
}

// The block of a hills column at height y, before caves, ores and trees.
BlockId column_block(const TerrainConfig& c, std::int64_t x, std::int64_t y, std::int64_t z,
                     std::int32_t ground) {
  if (y <= 0) return blocks::kBedrock;
  if (y <= 3 && static_cast<std::int64_t>(noise::hash(c.seed, kBedrock, x, y, z) % 4) >= y)
    return blocks::kBedrock;
  if (y > ground) return y <= c.sea_level ? blocks::kWater : blocks::kAir;
  const std::int32_t dirt =
      2 + static_cast<std::int32_t>(noise::hash(c.seed, kDirtDepth, x, 0, z) % 3);
  if (y <= ground - dirt) return blocks::kStone;
  if (ground < c.sea_level - 2) return y == ground ? blocks::kGravel : blocks::kDirt;
  if (ground <= c.sea_level + 1) return blocks::kSand;
  return y == ground ? blocks::kGrass : blocks::kDirt;
}

// A tree grows on this column (on grass, about one column in 80).
bool has_tree(const TerrainConfig& c, std::int64_t x, std::int64_t z, std::int32_t ground) {
  return ground > c.sea_level + 1 && noise::hash(c.seed, kTree, x, 0, z) % 80 == 0;
}

std::int32_t trunk_height(const TerrainConfig& c, std::int64_t x, std::int64_t z) {
  return 4 + static_cast<std::int32_t>(noise::hash(c.seed, kTree, x, 1, z) % 3);
}

// Whether the tree on column (tx, tz) with ground `ground` puts leaves at offset (dx, y, dz):
// two wide layers below the trunk's top, two narrow ones at and above it, corners trimmed.
bool leaf_of(const TerrainConfig& c, std::int64_t tx, std::int64_t tz, std::int32_t ground,
             std::int64_t dx, std::int64_t y, std::int64_t dz) {
  const std::int64_t top = ground + trunk_height(c, tx, tz);
  const std::int64_t layer = y - top;  // -2..1
  if (layer < -2 || layer > 1) return false;
  const std::int64_t reach = layer < 0 ? 2 : 1;
  const std::int64_t ax = dx < 0 ? -dx : dx, az = dz < 0 ? -dz : dz;
  if (ax > reach || az > reach) return false;
  if (ax == reach && az == reach)
    return layer < 0 && (noise::hash(c.seed, kTree, tx + dx, y, tz + dz) & 1);
  return true;
}

void fill_superflat(BlockPos origin, BoxSize size, std::span<BlockId> out) {
  const std::size_t layer = std::size_t{size.z} * size.x;
  for (std::uint32_t y = 0; y < size.y; ++y) {
    const std::int64_t wy = std::int64_t{origin.y} + y;
    const BlockId id = wy <= 0   ? blocks::kBedrock
                       : wy <= 2 ? blocks::kDirt
                       : wy == 3 ? blocks::kGrass
                                 : blocks::kAir;
    std::fill_n(out.data() + y * layer, layer, id);
  }
}

}  // namespace

std::optional<TerrainKind> terrain_named(std::string_view name) {
  for (std::size_t i = 0; i < kTerrainNames.size(); ++i) {
    if (kTerrainNames[i] == name) return static_cast<TerrainKind>(i);
  }
  return std::nullopt;
}

std::int32_t TerrainGenerator::ground_height(std::int32_t x, std::int32_t z) const {
  return config_.kind == TerrainKind::kSuperflat ? 3 : hills_height(config_.seed, x, z);
}

void TerrainGenerator::fill_box(BlockPos origin, BoxSize size, std::span<BlockId> out) const {
  if (config_.kind == TerrainKind::kSuperflat) return fill_superflat(origin, size, out);
  const TerrainConfig& c = config_;
  // Ground heights of the box's columns plus a margin for trees whose leaves reach in.
  const std::int64_t ex = std::int64_t{size.x} + 2 * kTreeReach;
  const std::int64_t ez = std::int64_t{size.z} + 2 * kTreeReach;
  std::vector<std::int32_t> ground(static_cast<std::size_t>(ex * ez));
  for (std::int64_t z = 0; z < ez; ++z)
    for (std::int64_t x = 0; x < ex; ++x)
      ground[static_cast<std::size_t>(z * ex + x)] =
          hills_height(c.seed, origin.x + x - kTreeReach, origin.z + z - kTreeReach);
  auto ground_at = [&](std::int64_t lx, std::int64_t lz) {  // box-local column, margin allowed
    return ground[static_cast<std::size_t>((lz + kTreeReach) * ex + lx + kTreeReach)];
  };
  auto at = [&](std::uint32_t y, std::uint32_t z, std::uint32_t x) -> BlockId& {
    return out[(std::size_t{y} * size.z + z) * size.x + x];
  };

  for (std::uint32_t z = 0; z < size.z; ++z)
    for (std::uint32_t x = 0; x < size.x; ++x) {
      const std::int64_t wx = std::int64_t{origin.x} + x, wz = std::int64_t{origin.z} + z;
      const std::int32_t g = ground_at(x, z);
      for (std::uint32_t y = 0; y < size.y; ++y) {
        const std::int64_t wy = std::int64_t{origin.y} + y;
        BlockId id = column_block(c, wx, wy, wz, g);
        if (id == blocks::kStone || id == blocks::kDirt) {
          if (wy >= kCaveFloor && wy <= g - kCaveCover && is_cave(c.seed, wx, wy, wz)) {
            id = blocks::kAir;
          } else if (id == blocks::kStone) {
            const BlockId ore = ore_at(c.seed, wx, wy, wz);
            if (ore != blocks::kAir) id = ore;
          }
        }
        at(y, z, x) = id;
      }
    }

  // Trees: every trunk column within reach of the box stamps its leaves into air, then its
  // trunk (trunks win over leaves, so the order of trees does not matter).
  for (int pass = 0; pass < 2; ++pass)
    for (std::int64_t tz = -kTreeReach; tz < std::int64_t{size.z} + kTreeReach; ++tz)
      for (std::int64_t tx = -kTreeReach; tx < std::int64_t{size.x} + kTreeReach; ++tx) {
        const std::int64_t wx = origin.x + tx, wz = origin.z + tz;
        const std::int32_t g = ground_at(tx, tz);
        if (!has_tree(c, wx, wz, g)) continue;
        const std::int64_t top = g + trunk_height(c, wx, wz);
        for (std::int64_t wy = g + 1; wy <= top + 1; ++wy) {
          const std::int64_t ly = wy - origin.y;
          if (ly < 0 || ly >= size.y) continue;
          for (std::int64_t dz = -kTreeReach; dz <= kTreeReach; ++dz)
            for (std::int64_t dx = -kTreeReach; dx <= kTreeReach; ++dx) {
              const std::int64_t lx = tx + dx, lz = tz + dz;
              if (lx < 0 || lz < 0 || lx >= size.x || lz >= size.z) continue;
              BlockId& b = at(static_cast<std::uint32_t>(ly), static_cast<std::uint32_t>(lz),
                              static_cast<std::uint32_t>(lx));
              const bool trunk = dx == 0 && dz == 0 && wy <= top;
              if (pass == 1 && trunk) {
                b = blocks::kLog;
              } else if (pass == 0 && !trunk && b == blocks::kAir &&
                         leaf_of(c, wx, wz, g, dx, wy, dz)) {
                b = blocks::kLeaves;
              }
            }
        }
      }
}

void TerrainGenerator::fill_chunk(ChunkPos pos, std::span<BlockId, kChunkVolume> out) const {
  fill_box(chunk_origin(pos), BoxSize{}, out);
}

ChunkFiller TerrainGenerator::filler() const {
  return [generator = *this](ChunkPos pos, std::span<BlockId, kChunkVolume> out) {
    generator.fill_chunk(pos, out);
  };
}

BlockId TerrainGenerator::block_at(BlockPos pos) const {
  BlockId id;
  fill_box(pos, BoxSize{1, 1, 1}, std::span<BlockId>(&id, 1));
  return id;
}

}  // namespace theta_net::world
