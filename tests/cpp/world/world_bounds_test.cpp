// A bounded world: the generator's blocks inside, air outside, the generator not run for chunks
// wholly outside; an unbounded world is the generator itself.
#include "theta_net/world/world_bounds.hpp"

#include <gtest/gtest.h>

#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::world {
namespace {

TEST(WorldBounds, ContainsIsCentredOnTheOrigin) {
  const WorldBounds b{16, 5};
  EXPECT_TRUE(b.contains(-8, -2));
  EXPECT_TRUE(b.contains(7, 2));
  EXPECT_FALSE(b.contains(8, 0));
  EXPECT_FALSE(b.contains(-9, 0));
  EXPECT_FALSE(b.contains(0, 3));
  EXPECT_TRUE(WorldBounds{}.contains(1 << 30, -(1 << 30)));
}

TEST(WorldBounds, OutsideIsAirInsideIsTheGenerator) {
  const TerrainGenerator generator({3, TerrainKind::kSuperflat, 62});
  int calls = 0;
  ChunkFiller counting = [&](ChunkPos pos, std::span<BlockId, kChunkVolume> out) {
    ++calls;
    generator.fill_chunk(pos, out);
  };
  ChunkStore store(bounded_filler(counting, {24, 24}));
  EXPECT_EQ(store.block_at({0, 0, 0}), generator.block_at({0, 0, 0}));
  EXPECT_NE(store.block_at({11, 0, -12}), blocks::kAir);  // the last column inside
  EXPECT_EQ(store.block_at({12, 0, 0}), blocks::kAir);    // the first outside, same chunk
  EXPECT_EQ(store.block_at({0, 0, -13}), blocks::kAir);
  const int before = calls;
  EXPECT_EQ(store.block_at({40, 0, 40}), blocks::kAir);  // a chunk wholly outside
  EXPECT_EQ(calls, before);

  ChunkStore unbounded(bounded_filler(generator.filler(), {}));
  EXPECT_EQ(unbounded.block_at({400, 0, 400}), generator.block_at({400, 0, 400}));
}

}  // namespace
}  // namespace theta_net::world
