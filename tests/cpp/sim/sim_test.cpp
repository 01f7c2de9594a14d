#include <gtest/gtest.h>

#include <cmath>

#include "theta_net/sim/angle.hpp"
#include "theta_net/sim/rules.hpp"
#include "theta_net/sim/simulation.hpp"

namespace theta_net::sim {
namespace {

using world::BlockPos;
namespace bits = protocol::movebuttons_bits;
namespace blk = world::blocks;

// Flat ground: bedrock at y=0, stone up to y=3, grass at y=4; air above.
void flat(world::ChunkPos pos, std::span<world::BlockId, world::kChunkVolume> out) {
  for (int y = 0; y < 16; ++y) {
    const int wy = pos.y * 16 + y;
    const world::BlockId id = wy == 0   ? blk::kBedrock
                              : wy < 4  ? blk::kStone
                              : wy == 4 ? blk::kGrass
                                        : blk::kAir;
    for (int i = 0; i < 256; ++i) out[static_cast<std::size_t>(y * 256 + i)] = id;
  }
}

struct Flat {
  world::ChunkStore store{flat};
  Rules rules;
  Simulation sim{rules, store};
};

protocol::InputFrame input(std::uint8_t buttons, std::uint16_t yaw = 0) {
  protocol::InputFrame f;
  f.buttons = buttons;
  f.yaw = yaw;
  return f;
}

TEST(Angle, TableIsExactAtTheQuadrantsAndSymmetric) {
  EXPECT_EQ(sin_turn(0), Fx{});
  EXPECT_EQ(sin_turn(16384), Fx::from_int(1));
  EXPECT_EQ(sin_turn(32768), Fx{});
  EXPECT_EQ(sin_turn(49152), Fx::from_int(-1));
  EXPECT_EQ(cos_turn(0), Fx::from_int(1));
  for (std::uint32_t a = 0; a < 65536; a += 97) {
    const auto angle = static_cast<std::uint16_t>(a);
    EXPECT_EQ(sin_turn(angle), -sin_turn(static_cast<std::uint16_t>(0 - angle))) << a;
    const double expected = std::sin(a * 2 * 3.14159265358979 / 65536);
    EXPECT_NEAR(sin_turn(angle).to_double(), expected, 2e-4) << a;
  }
}

TEST(Angle, DegreesBecomeInputUnitsAndBack) {
  EXPECT_EQ(yaw_from_degrees(0), 0);
  EXPECT_EQ(yaw_from_degrees(90), 16384);   // 90 faces -x: a quarter turn right
  EXPECT_EQ(yaw_from_degrees(-90), 49152);  // wraps
  EXPECT_EQ(yaw_from_degrees(360), 0);
  EXPECT_EQ(yaw_from_degrees(0.0027), 0);  // rounds to the nearest unit (360/65536 degrees)
  EXPECT_EQ(yaw_from_degrees(0.0028), 1);
  EXPECT_EQ(pitch_from_degrees(45), 8192);
  EXPECT_EQ(pitch_from_degrees(-90), -16384);
  EXPECT_EQ(pitch_from_degrees(135), 16384);  // clamped
  for (std::uint32_t a = 0; a < 65536; a += 97) {
    const auto yaw = static_cast<std::uint16_t>(a);
    EXPECT_EQ(yaw_from_degrees(degrees_from_yaw(yaw)), yaw) << a;
  }
  for (int p = -16384; p <= 16384; p += 61) {
    const auto pitch = static_cast<std::int16_t>(p);
    EXPECT_EQ(pitch_from_degrees(degrees_from_pitch(pitch)), pitch) << p;
  }
}

TEST(Rules, OnlyTheSupportedTickRatesAreAccepted) {
  for (std::uint32_t rate : kSupportedTickRates) EXPECT_TRUE(is_supported_tick_rate(rate));
  for (std::uint32_t rate : {0u, 1u, 19u, 25u, 40u, 120u})
    EXPECT_FALSE(is_supported_tick_rate(rate));
  EXPECT_TRUE(is_supported_tick_rate(Rules{}.tick_rate));
}

TEST(Movement, StandsOnTheGroundAndWalksAtWalkingSpeed) {
  Flat w;
  const PlayerId id = w.sim.add_player("a");
  EXPECT_EQ(w.sim.player(id)->state.position.y, Fx::from_int(5));
  for (int i = 0; i < 5; ++i) w.sim.step({});
  EXPECT_TRUE(w.sim.player(id)->state.on_ground);
  EXPECT_EQ(w.sim.player(id)->state.position.y, Fx::from_int(5));
  const Fx z0 = w.sim.player(id)->state.position.z;
  for (int i = 0; i < 20; ++i) w.sim.step({{id, input(bits::kForward)}});  // one second, yaw 0 = +z
  const Fx walked = w.sim.player(id)->state.position.z - z0;
  EXPECT_NEAR(walked.to_double(), 4.317, 0.01);
  EXPECT_NEAR(w.sim.player(id)->state.position.x.to_double(), 0.5, 1e-4);
}

TEST(Movement, DiagonalsAreNotFaster) {
  Flat w;
  const PlayerId id = w.sim.add_player("a");
  const Vec3 start = w.sim.player(id)->state.position;
  for (int i = 0; i < 20; ++i) w.sim.step({{id, input(bits::kForward | bits::kRight)}});
  EXPECT_NEAR(distance(start, w.sim.player(id)->state.position).to_double(), 4.317, 0.01);
  // Turning right from +z goes toward -x.
  EXPECT_LT(w.sim.player(id)->state.position.x, start.x);
}

TEST(Movement, JumpsAboutOneAndAQuarterBlocksAndLands) {
  Flat w;
  const PlayerId id = w.sim.add_player("a");
  w.sim.step({});
  Fx peak = Fx::from_int(5);
  w.sim.step({{id, input(bits::kJump)}});
  for (int i = 0; i < 40; ++i) {
    w.sim.step({});
    peak = std::max(peak, w.sim.player(id)->state.position.y);
  }
  EXPECT_NEAR((peak - Fx::from_int(5)).to_double(), 1.24, 0.03);
  EXPECT_TRUE(w.sim.player(id)->state.on_ground);
  EXPECT_EQ(w.sim.player(id)->state.position.y, Fx::from_int(5));
}

TEST(Movement, WallsStopThePlayerExactlyAtTheFace) {
  Flat w;
  const PlayerId id = w.sim.add_player("a");
  for (int y = 5; y < 8; ++y) ASSERT_TRUE(w.store.set_block({0, y, 3}, blk::kStone).ok());
  for (int i = 0; i < 40; ++i) w.sim.step({{id, input(bits::kForward)}});
  // The wall's face is at z = 3; the player's box is 0.3 deep in front of its centre.
  EXPECT_EQ(w.sim.player(id)->state.position.z, Fx::from_int(3) - w.rules.half_width);
  EXPECT_FALSE(box_collides(w.sim.player(id)->state.position, w.store, w.rules));
  // One block high is jumpable: a step up onto it and beyond.
  ASSERT_TRUE(w.store.set_block({0, 6, 3}, blk::kAir).ok());
  ASSERT_TRUE(w.store.set_block({0, 7, 3}, blk::kAir).ok());
  for (int i = 0; i < 40; ++i) w.sim.step({{id, input(bits::kForward | bits::kJump)}});
  EXPECT_GT(w.sim.player(id)->state.position.z, Fx::from_int(4));
}

TEST(Movement, FallingHurtsAndTheVoidRespawns) {
  world::ChunkStoreConfig open_below;
  open_below.below_world = blk::kAir;  // a world with a void under it
  world::ChunkStore store(flat, open_below);
  Rules rules;
  Simulation sim(rules, store);
  struct {
    world::ChunkStore& store;
    Simulation& sim;
  } w{store, sim};
  const PlayerId id = w.sim.add_player("a");
  for (int y = 1; y <= 4; ++y) ASSERT_TRUE(w.store.set_block({0, y, 0}, blk::kAir).ok());
  ASSERT_TRUE(w.store.set_block({0, 0, 0}, blk::kAir).ok());  // a hole to the void
  for (int i = 0; i < 80; ++i) w.sim.step({});
  const Player* p = w.sim.player(id);
  EXPECT_EQ(p->state.position.y, Fx::from_int(5));  // respawned on the surface, next to the hole
  EXPECT_EQ(p->state.position.x, Fx::from_ratio(3, 2));
  // Fall 8 blocks: landing at ~22.6 blocks/s hurts but does not kill.
  Flat high;
  for (int y = 5; y < 13; ++y) ASSERT_TRUE(high.store.set_block({0, y, 0}, blk::kStone).ok());
  const PlayerId faller = high.sim.add_player("c");  // spawns on top of the pillar
  EXPECT_EQ(high.sim.player(faller)->state.position.y, Fx::from_int(13));
  for (int y = 5; y < 13; ++y) ASSERT_TRUE(high.store.set_block({0, y, 0}, blk::kAir).ok());
  for (int i = 0; i < 60; ++i) high.sim.step({});
  // Landing at about sqrt(2 * 32 * 8) = 22.6 blocks/s, 13 of them safe (one tick's step rounds up).
  EXPECT_GE(high.sim.player(faller)->state.health, 20 - 11);
  EXPECT_LE(high.sim.player(faller)->state.health, 20 - 9);
  EXPECT_EQ(high.sim.player(faller)->state.position.y, Fx::from_int(5));
}

TEST(Blocks, PlaceAndBreakFollowTheRules) {
  Flat w;
  const PlayerId id = w.sim.add_player("a");  // at (0.5, 5, 0.5)
  auto act = [&](protocol::BlockActionKind kind, protocol::Vec3i target, protocol::BlockFace face,
                 world::BlockId block) {
    protocol::InputFrame in = input(0);
    in.block = protocol::BlockAction{kind, target, face, block};
    return w.sim.step({{id, in}});
  };
  auto r =
      act(protocol::BlockActionKind::kPlace, {0, 4, 2}, protocol::BlockFace::kUp, blk::kPlanks);
  ASSERT_EQ(r.edits.size(), 1u);
  EXPECT_EQ(w.store.block_at({0, 5, 2}), blk::kPlanks);
  r = act(protocol::BlockActionKind::kBreak, {0, 5, 2}, protocol::BlockFace::kUp, 0);
  ASSERT_EQ(r.edits.size(), 1u);
  EXPECT_EQ(r.edits[0].before, blk::kPlanks);
  EXPECT_EQ(w.store.block_at({0, 5, 2}), blk::kAir);

  r = act(protocol::BlockActionKind::kPlace, {0, 4, 0}, protocol::BlockFace::kUp, blk::kStone);
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].reason, "a player stands there");
  r = act(protocol::BlockActionKind::kBreak, {0, 4, 20}, protocol::BlockFace::kUp, 0);
  EXPECT_EQ(r.rejected.at(0).reason, "out of reach");
  r = act(protocol::BlockActionKind::kPlace, {0, 7, 2}, protocol::BlockFace::kUp, blk::kStone);
  EXPECT_EQ(r.rejected.at(0).reason, "nothing to place against");
  r = act(protocol::BlockActionKind::kBreak, {0, 0, 1}, protocol::BlockFace::kUp, 0);
  EXPECT_TRUE(r.rejected.empty() || r.rejected[0].reason == "out of reach");
  ASSERT_TRUE(w.store.set_block({1, 5, 1}, blk::kBedrock).ok());
  r = act(protocol::BlockActionKind::kBreak, {1, 5, 1}, protocol::BlockFace::kUp, 0);
  EXPECT_EQ(r.rejected.at(0).reason, "that block cannot be broken");
  r = act(protocol::BlockActionKind::kPlace, {0, 4, 2}, protocol::BlockFace::kUp, blk::kWater);
  EXPECT_EQ(r.rejected.at(0).reason, "that block cannot be placed");
}

TEST(Simulation, SameInputsGiveTheSameHashesAtEveryTickRate) {
  for (std::uint32_t rate : kSupportedTickRates) {
    auto run = [rate] {
      Flat w;
      w.rules.tick_rate = rate;
      Simulation sim(w.rules, w.store);
      const PlayerId a = sim.add_player("a");
      const PlayerId b = sim.add_player("b");
      std::vector<SectionHashes> hashes;
      for (std::uint32_t t = 0; t < rate * 3; ++t) {
        protocol::InputFrame ia = input(bits::kForward | (t % 17 == 0 ? bits::kJump : 0),
                                        static_cast<std::uint16_t>(t * 300));
        protocol::InputFrame ib = input(bits::kLeft, 16000);
        if (t == rate)
          ib.block = protocol::BlockAction{
              protocol::BlockActionKind::kBreak, {2, 4, 1}, protocol::BlockFace::kUp, 0};
        sim.step({{a, ia}, {b, ib}});
        hashes.push_back(sim.hashes());
      }
      return hashes;
    };
    const auto first = run();
    EXPECT_EQ(first, run()) << rate;
    EXPECT_NE(first.front().players, first.back().players);
    EXPECT_NE(first.front().chunks, first.back().chunks)
        << "the broken block changes the chunk hash";
  }
}

TEST(Simulation, TickRatesAgreeOnDistanceCovered) {
  std::vector<double> distances;
  for (std::uint32_t rate : kSupportedTickRates) {
    Flat w;
    w.rules.tick_rate = rate;
    Simulation sim(w.rules, w.store);
    const PlayerId a = sim.add_player("a");
    for (std::uint32_t t = 0; t < rate * 2; ++t) sim.step({{a, input(bits::kForward)}});
    distances.push_back((sim.player(a)->state.position.z - Fx::from_ratio(1, 2)).to_double());
  }
  for (double d : distances) EXPECT_NEAR(d, 2 * 4.317, 0.05);
}

}  // namespace
}  // namespace theta_net::sim
