// Lag compensation judged against an exact table: a target crossing the shooter's line of fire at
// one block per tick, a shooter aiming where its screen showed the target, at several round
// trips, with and without rewinding.
#include "theta_net/netcode/lag_compensation.hpp"

#include <gtest/gtest.h>

namespace theta_net::netcode {
namespace {

constexpr std::uint64_t kShooter = 1;
constexpr std::uint64_t kTarget = 7;

Vec3 v(Fx x, Fx y, Fx z) {
  return {x, y, z};
}
Vec3 vi(int x, int y, int z) {
  return {Fx::from_int(x), Fx::from_int(y), Fx::from_int(z)};
}

HitVolume target_at(std::uint32_t tick) {
  // Moves +x one block per tick (20 blocks a second at 20 Hz), 10 blocks in front of the shooter.
  return {kTarget, vi(static_cast<int>(tick), 1, 10),
          v(Fx::from_ratio(1, 2), Fx::from_int(1), Fx::from_ratio(1, 2))};
}

// A shot straight down +z through x = aim_x.
HitRay shot_through(Fx aim_x) {
  return {v(aim_x, Fx::from_int(1), Fx{}), v(aim_x, Fx::from_int(1), Fx::from_int(50))};
}

LagCompensator history_to(std::uint32_t newest) {
  LagCompensator lc({20, Micros(300'000)});  // six ticks of rewind at most
  for (std::uint32_t t = 0; t <= newest; ++t) {
    const HitVolume volumes[] = {{kShooter, vi(0, 1, 0), vi(1, 1, 1)}, target_at(t)};
    EXPECT_TRUE(lc.record(t, volumes).ok());
  }
  return lc;
}

TEST(LagCompensation, AShotIsJudgedAtTheTickTheShooterSaw) {
  const LagCompensator lc = history_to(100);
  const Micros interpolation(100'000);  // two ticks
  struct Row {
    int rtt_ms;
    double seen_tick;  // what the shooter's screen showed: 100 - (rtt + 100 ms) * 20 Hz
    bool hit_rewound;  // judged at the tick it saw (within the rewind)
    bool clamped;      // it saw further back than the 300 ms the server allows
    bool hit_now;      // judged at the newest tick, without lag compensation
  };
  const Row table[] = {
      {0, 98.0, true, false, false},   {50, 97.0, true, false, false},
      {75, 96.5, true, false, false},  {150, 95.0, true, false, false},
      {200, 94.0, true, false, false}, {250, 93.0, false, true, false},
      {400, 90.0, false, true, false},
  };
  for (const Row& row : table) {
    SCOPED_TRACE("rtt " + std::to_string(row.rtt_ms) + " ms");
    const Fx seen = lc.view_tick(Micros(row.rtt_ms * 1000), interpolation);
    EXPECT_EQ(seen, Fx::from_double(row.seen_tick));
    // The shooter aims at the target's centre as it was drawn: x = the tick it saw.
    const ShotResult rewound =
        lc.hitscan(shot_through(seen), kShooter, Micros(row.rtt_ms * 1000), interpolation);
    EXPECT_EQ(rewound.hit.has_value(), row.hit_rewound);
    EXPECT_EQ(rewound.clamped, row.clamped);
    EXPECT_EQ(rewound.evaluated_tick, row.clamped ? Fx::from_int(94) : seen);
    if (rewound.hit) {
      EXPECT_EQ(rewound.hit->entity, kTarget);
      EXPECT_EQ(rewound.hit->fraction, Fx::from_ratio(19, 100));  // enters at z = 9.5 of 50
      EXPECT_EQ(rewound.hit->point.x, seen);
    }
    const ShotResult now = lc.hitscan_at(shot_through(seen), kShooter, Fx::from_int(100));
    EXPECT_EQ(now.hit.has_value(), row.hit_now);
  }
}

TEST(LagCompensation, EdgesCountAsHitsAndAnythingPastThemMisses) {
  const LagCompensator lc = history_to(100);
  // At tick 96 the target spans x in [95.5, 96.5].
  EXPECT_TRUE(lc.hitscan_at(shot_through(Fx::from_ratio(193, 2)), kShooter, Fx::from_int(96)).hit);
  EXPECT_FALSE(lc.hitscan_at(shot_through(Fx::from_ratio(193, 2) + Fx::from_raw(1)), kShooter,
                             Fx::from_int(96))
                   .hit);
  EXPECT_FALSE(lc.hitscan_at(shot_through(Fx::from_double(95.4)), kShooter, Fx::from_int(96)).hit);
  // A shot that stops short of the target does not reach it.
  HitRay short_shot = shot_through(Fx::from_int(96));
  short_shot.end.z = Fx::from_ratio(19, 2) - Fx::from_raw(1);
  EXPECT_FALSE(lc.hitscan_at(short_shot, kShooter, Fx::from_int(96)).hit);
}

TEST(LagCompensation, TheShooterIsNeverItsOwnTargetAndTheNearestVolumeWins) {
  const HitVolume volumes[] = {
      {kShooter, vi(0, 1, 0), vi(1, 1, 1)},
      {9, vi(0, 1, 20), vi(1, 1, 1)},
      {8, vi(0, 1, 10), vi(1, 1, 1)},
      {3, vi(0, 1, 10), vi(1, 1, 1)},  // the same place as 8: the smaller id wins the tie
  };
  const HitRay ray{vi(0, 1, 0), vi(0, 1, 50)};
  auto hit = raycast(ray, volumes, kShooter);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->entity, 3u);
  EXPECT_EQ(hit->point, vi(0, 1, 9));
  // Without ignoring the shooter, the ray starts inside it: fraction 0.
  hit = raycast(ray, volumes, 0);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->entity, kShooter);
  EXPECT_EQ(hit->fraction, Fx{});
  // A ray going the other way (-z) misses everything in front.
  EXPECT_FALSE(raycast({vi(0, 1, -2), vi(0, 1, -50)}, volumes, kShooter).has_value());
}

TEST(LagCompensation, AnEntityThatDidNotExistYetCannotBeHitInThePast) {
  LagCompensator lc({20, Micros(300'000)});
  const HitVolume early[] = {{kShooter, vi(0, 1, 0), vi(1, 1, 1)}};
  for (std::uint32_t t = 0; t < 10; ++t) ASSERT_TRUE(lc.record(t, early).ok());
  const HitVolume later[] = {{kShooter, vi(0, 1, 0), vi(1, 1, 1)}, target_at(0)};
  ASSERT_TRUE(lc.record(10, later).ok());
  const HitRay ray = shot_through(Fx{});
  EXPECT_TRUE(lc.hitscan_at(ray, kShooter, Fx::from_int(10)).hit);
  EXPECT_FALSE(lc.hitscan_at(ray, kShooter, Fx::from_ratio(19, 2)).hit);
  EXPECT_EQ(lc.volumes_at(Fx::from_ratio(19, 2)).size(), 1u);
}

TEST(LagCompensation, TheRewindStopsAtTheExactLimitNotAtWholeTicks) {
  LagCompensator lc({20, Micros(210'000)});  // 4.2 ticks
  for (std::uint32_t t = 0; t <= 100; ++t) {
    const HitVolume volumes[] = {target_at(t)};
    ASSERT_TRUE(lc.record(t, volumes).ok());
  }
  // 220 ms back (4.4 ticks) is past the limit: judged 4.2 ticks back, and it says so.
  const ShotResult r =
      lc.hitscan(shot_through(Fx::from_int(0)), kShooter, Micros(120'000), Micros(100'000));
  EXPECT_TRUE(r.clamped);
  EXPECT_EQ(r.evaluated_tick, Fx::from_int(100) - Fx::from_ratio(21, 5));
}

TEST(LagCompensation, HugeCoordinatesAreRefusedOrMissInsteadOfOverflowing) {
  LagCompensator lc;
  const HitVolume far[] = {{2, {Fx::from_int(-(std::int64_t{1} << 40)), Fx{}, Fx{}}, vi(1, 1, 1)}};
  auto s = lc.record(1, far);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("beyond 2147483648 blocks"), std::string::npos);
  const HitVolume near[] = {target_at(0)};
  ASSERT_TRUE(lc.record(1, near).ok());
  const HitRay wild{{Fx::from_int(-(std::int64_t{1} << 40)), Fx::from_int(1), Fx::from_int(10)},
                    {Fx::from_int(std::int64_t{1} << 40), Fx::from_int(1), Fx::from_int(10)}};
  EXPECT_FALSE(raycast(wild, near, 0).has_value());
}

TEST(LagCompensation, TheHistoryIsBoundedAndRefusesBadInput) {
  LagCompensator lc = history_to(100);
  EXPECT_EQ(lc.ticks_kept(), 8u);  // six ticks of rewind, the one before, and now
  EXPECT_EQ(lc.oldest_tick(), 93u);
  EXPECT_TRUE(lc.volumes_at(Fx::from_int(92)).empty());
  const HitVolume one[] = {target_at(101)};
  auto s = lc.record(100, one);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find("tick 100"), std::string::npos);
  HitVolume bad = target_at(101);
  bad.half_extents.y = -Fx::from_int(1);
  const HitVolume negative[] = {bad};
  EXPECT_FALSE(lc.record(101, negative).ok());
  const HitVolume twice[] = {target_at(101), target_at(101)};
  s = lc.record(101, twice);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("two hit volumes"), std::string::npos);
  EXPECT_TRUE(lc.record(101, one).ok());  // nothing half-recorded blocks the next tick
  EXPECT_EQ(lc.newest_tick(), 101u);
}

}  // namespace
}  // namespace theta_net::netcode
