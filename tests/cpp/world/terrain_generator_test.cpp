// The terrain generator: deterministic (golden hashes of a few chunks, the same on every
// machine), independent of how a box is cut into chunks, and shaped as documented.
#include "theta_net/world/terrain_generator.hpp"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <vector>

#include "theta_net/core/crc32c.hpp"

namespace theta_net::world {
namespace {

std::array<BlockId, kChunkVolume> chunk(const TerrainGenerator& g, ChunkPos pos) {
  std::array<BlockId, kChunkVolume> ids{};
  g.fill_chunk(pos, ids);
  return ids;
}

std::uint32_t chunk_crc(const TerrainGenerator& g, ChunkPos pos) {
  const auto ids = chunk(g, pos);
  return crc32c(ids.data(), ids.size() * sizeof(BlockId));
}

TEST(TerrainGenerator, GoldenChunks) {
  // Same seed and position, same ids, on every machine and build: these CRCs are of the
  // generator's output since it was written; a change to them is a change of every world.
  const TerrainGenerator hills({.seed = 42});
  EXPECT_EQ(chunk_crc(hills, {0, 0, 0}), 461241128u);
  EXPECT_EQ(chunk_crc(hills, {0, 3, 0}), 3706507716u);
  EXPECT_EQ(chunk_crc(hills, {-5, 4, 7}), 2191003735u);
  EXPECT_EQ(chunk_crc(hills, {100, 2, -100}), 1950497570u);
  const TerrainGenerator flat({.seed = 42, .kind = TerrainKind::kSuperflat});
  EXPECT_EQ(chunk_crc(flat, {3, 0, -3}), 3663337006u);
}

TEST(TerrainGenerator, SeedsGiveDifferentWorlds) {
  const TerrainGenerator a({.seed = 1}), b({.seed = 2});
  EXPECT_NE(chunk(a, {0, 4, 0}), chunk(b, {0, 4, 0}));
  EXPECT_EQ(chunk(a, {0, 4, 0}), chunk(TerrainGenerator({.seed = 1}), {0, 4, 0}));
}

TEST(TerrainGenerator, BoxesMatchTheirChunksAndSingleBlocks) {
  const TerrainGenerator g({.seed = 7});
  // A 48x32x32 box at a chunk corner with negative coordinates, versus its 3x2x2 chunks.
  const BlockPos origin{-16, 48, -32};
  const BoxSize size{48, 32, 32};
  std::vector<BlockId> box(size.volume());
  g.fill_box(origin, size, box);
  for (int cy = 0; cy < 3; ++cy)
    for (int cz = 0; cz < 2; ++cz)
      for (int cx = 0; cx < 2; ++cx) {
        const auto ids =
            chunk(g, chunk_of({origin.x + cx * 16, origin.y + cy * 16, origin.z + cz * 16}));
        for (int y = 0; y < 16; ++y)
          for (int z = 0; z < 16; ++z)
            for (int x = 0; x < 16; ++x)
              ASSERT_EQ(box[((cy * 16 + y) * 32 + cz * 16 + z) * 32 + cx * 16 + x],
                        ids[y * 256 + z * 16 + x]);
      }
  // An odd box against block_at, every 7th block.
  const BlockPos odd{5, 60, -3};
  const BoxSize odd_size{20, 9, 13};
  std::vector<BlockId> small(odd_size.volume());
  g.fill_box(odd, odd_size, small);
  for (std::size_t i = 0; i < small.size(); i += 7) {
    const auto y = static_cast<std::int32_t>(i / (9 * 13)),
               z = static_cast<std::int32_t>(i / 13 % 9), x = static_cast<std::int32_t>(i % 13);
    ASSERT_EQ(small[i], g.block_at({odd.x + x, odd.y + y, odd.z + z})) << i;
  }
}

TEST(TerrainGenerator, SuperflatLayers) {
  const TerrainGenerator g({.kind = TerrainKind::kSuperflat});
  const auto ids = chunk(g, {9, 0, -4});
  EXPECT_EQ(ids[0], blocks::kBedrock);
  EXPECT_EQ(ids[1 * 256 + 17], blocks::kDirt);
  EXPECT_EQ(ids[2 * 256 + 100], blocks::kDirt);
  EXPECT_EQ(ids[3 * 256 + 255], blocks::kGrass);
  EXPECT_EQ(ids[4 * 256], blocks::kAir);
  EXPECT_EQ(chunk(g, {0, 1, 0}), (std::array<BlockId, kChunkVolume>{}));  // all air
}

TEST(TerrainGenerator, HillsHaveWaterCavesOresAndTrees) {
  const TerrainGenerator g({.seed = 3});
  std::map<BlockId, std::size_t> counts;
  for (int cx = 0; cx < 6; ++cx)
    for (int cz = 0; cz < 6; ++cz)
      for (int cy = 0; cy < 8; ++cy)
        for (BlockId id : chunk(g, {cx, cy, cz})) ++counts[id];
  for (BlockId id : {blocks::kAir, blocks::kStone, blocks::kDirt, blocks::kGrass, blocks::kWater,
                     blocks::kSand, blocks::kBedrock, blocks::kLog, blocks::kLeaves,
                     blocks::kCoalOre, blocks::kIronOre, blocks::kGoldOre, blocks::kDiamondOre})
    EXPECT_GT(counts[id], 0u) << block_info(id).name;
  for (const auto& [id, count] : counts) EXPECT_LT(id, blocks::kCount);
  // Caves: air below the ground somewhere.
  bool cave = false;
  for (int x = 0; x < 96 && !cave; ++x)
    for (int z = 0; z < 96 && !cave; ++z)
      for (int y = 5; y < g.ground_height(x, z) - 5 && !cave; ++y)
        cave = g.block_at({x, y, z}) == blocks::kAir;
  EXPECT_TRUE(cave);
}

TEST(TerrainGenerator, FillsAChunkStore) {
  ChunkStore store(TerrainGenerator({.seed = 11}).filler());
  const TerrainGenerator g({.seed = 11});
  EXPECT_EQ(store.block_at({3, 40, 9}), g.block_at({3, 40, 9}));
  EXPECT_EQ(store.block_at({-30, 100, 70}), g.block_at({-30, 100, 70}));
}

TEST(TerrainGenerator, NamesAndKindsRoundTrip) {
  for (const TerrainKind kind : {TerrainKind::kSuperflat, TerrainKind::kHills}) {
    EXPECT_EQ(terrain_named(terrain_name(kind)), kind);
  }
  EXPECT_EQ(terrain_name(TerrainKind::kSuperflat), "superflat");
  EXPECT_EQ(terrain_name(TerrainKind::kHills), "hills");
  EXPECT_EQ(terrain_named("moon"), std::nullopt);
  EXPECT_EQ(terrain_named("Hills"), std::nullopt);  // names are exact
}

}  // namespace
}  // namespace theta_net::world
