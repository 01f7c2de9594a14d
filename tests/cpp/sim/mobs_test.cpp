// Mobs: the same seed and world give the same mobs; they walk on the ground, climb one block,
// never drop more than one, wait where the world is not loaded, and only report real changes.
#include "theta_net/sim/mobs.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::sim {
namespace {

world::ChunkStore hills() {
  return world::ChunkStore(world::TerrainGenerator({4, world::TerrainKind::kHills, 62}).filler());
}

bool solid_at(world::ChunkStore& w, world::BlockPos p) {
  return world::block_info(w.block_at(p)).solid;
}

TEST(Mobs, TheSameSeedGivesTheSameWanderingMobs) {
  world::ChunkStore wa = hills(), wb = hills();
  Mobs a({.count = 200, .seed = 9, .spread = 32}, wa);
  Mobs b({.count = 200, .seed = 9, .spread = 32}, wb);
  world::ChunkStore wc = hills();
  Mobs c({.count = 200, .seed = 10, .spread = 32}, wc);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a.hash(), c.hash());
  const Fx dt = Fx::from_ratio(1, 20);
  std::size_t moved = 0;
  for (std::uint32_t tick = 1; tick <= 400; ++tick) {
    const auto& ma = a.step(tick, dt);
    const auto& mb = b.step(tick, dt);
    ASSERT_EQ(ma, mb) << tick;
    moved += ma.size();
  }
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_GT(moved, 200u * 400 / 4) << "about half of them walk at any time";
  EXPECT_LT(moved, 200u * 400) << "and the rest stand";
}

TEST(Mobs, TheyWalkOnTheGroundAndReportOnlyChanges) {
  world::ChunkStore w = hills();
  Mobs mobs({.count = 100, .seed = 3, .spread = 24}, w);
  std::vector<Mob> before = mobs.all();
  for (std::uint32_t tick = 1; tick <= 600; ++tick) {
    const auto& moved = mobs.step(tick, Fx::from_ratio(1, 20));
    for (std::size_t i = 0; i < mobs.size(); ++i) {
      const Mob& m = mobs.all()[i];
      const bool listed =
          std::find(moved.begin(), moved.end(), kFirstMobId + static_cast<MobId>(i)) != moved.end();
      const bool changed = m.position != before[i].position || m.yaw != before[i].yaw ||
                           m.walking != before[i].walking;
      ASSERT_EQ(listed, changed) << "mob " << i << " at tick " << tick;
      const bool turned = std::find(mobs.turned().begin(), mobs.turned().end(),
                                    kFirstMobId + static_cast<MobId>(i)) != mobs.turned().end();
      ASSERT_EQ(turned, m.yaw != before[i].yaw || m.walking != before[i].walking)
          << "mob " << i << " at tick " << tick;
      if (m.position.y != before[i].position.y) {
        const Fx step = m.position.y - before[i].position.y;
        EXPECT_LE(step, Fx::from_int(1)) << "climbs one block at most";
        EXPECT_GE(step, Fx::from_int(-1)) << "never drops more than one";
      }
      // Feet in a free cell above a solid block (nothing edits this world).
      const world::BlockPos feet{static_cast<std::int32_t>(m.position.x.floor()),
                                 static_cast<std::int32_t>(m.position.y.floor()),
                                 static_cast<std::int32_t>(m.position.z.floor())};
      ASSERT_TRUE(solid_at(w, {feet.x, feet.y - 1, feet.z})) << "mob " << i << " tick " << tick;
      ASSERT_FALSE(solid_at(w, feet)) << "mob " << i << " tick " << tick;
    }
    before = mobs.all();
  }
}

TEST(Mobs, TheyMoveTheSameWhateverChunksTheWorldHasLoaded) {
  // A server's loaded chunks depend on where it streamed (a replay loads fewer): the mobs must
  // not. One world has a wide area generated beforehand, the other only what the mobs make.
  world::ChunkStore streamed = hills(), bare = hills();
  for (std::int32_t x = -6; x <= 6; ++x) {
    for (std::int32_t z = -6; z <= 6; ++z) {
      for (std::int32_t y = 0; y <= 7; ++y) streamed.get_or_create({x, y, z});
    }
  }
  Mobs a({.count = 150, .seed = 2, .spread = 40}, streamed);
  Mobs b({.count = 150, .seed = 2, .spread = 40}, bare);
  EXPECT_LT(bare.size(), streamed.size());
  for (std::uint32_t tick = 1; tick <= 1200; ++tick) {
    ASSERT_EQ(a.step(tick, Fx::from_ratio(1, 20)), b.step(tick, Fx::from_ratio(1, 20))) << tick;
  }
  EXPECT_EQ(a.hash(), b.hash());
}

}  // namespace
}  // namespace theta_net::sim
