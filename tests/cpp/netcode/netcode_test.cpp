#include <gtest/gtest.h>

#include "theta_net/netcode/correction_smoother.hpp"
#include "theta_net/netcode/input_jitter_buffer.hpp"
#include "theta_net/netcode/interpolator.hpp"
#include "theta_net/netcode/prediction.hpp"
#include "theta_net/sim/simulation.hpp"

namespace theta_net::netcode {
namespace {

namespace bits = protocol::movebuttons_bits;
namespace blk = world::blocks;

protocol::InputFrame input_for(std::uint32_t tick, std::uint8_t buttons = bits::kForward) {
  protocol::InputFrame f;
  f.tick = tick;
  f.sequence = tick;
  f.buttons = buttons;
  return f;
}

TEST(InputJitterBuffer, AppliesInputsAtTheirTickAndRepeatsWhenStarved) {
  InputJitterBuffer buffer;
  buffer.add(input_for(10), 10);
  buffer.add(input_for(12), 10);
  buffer.add(input_for(10), 10);  // repeated in the next bundle
  EXPECT_EQ(buffer.stats().duplicates, 1u);
  EXPECT_EQ(buffer.take(10).sequence, 10u);
  protocol::InputFrame with_click = input_for(11);
  const auto repeat = buffer.take(11);  // 11 never came: repeat 10's movement
  EXPECT_EQ(repeat.tick, 11u);
  EXPECT_EQ(repeat.buttons, bits::kForward);
  EXPECT_EQ(buffer.stats().starved, 1u);
  EXPECT_EQ(buffer.take(12).sequence, 12u);
  buffer.add(input_for(11), 13);  // arrives after its tick
  EXPECT_EQ(buffer.stats().late, 1u);
  (void)with_click;
}

TEST(InputJitterBuffer, RepeatsNeverRepeatBlockActions) {
  InputJitterBuffer buffer;
  protocol::InputFrame click = input_for(1);
  click.block = protocol::BlockAction{};
  buffer.add(click, 1);
  EXPECT_TRUE(buffer.take(1).block.has_value());
  EXPECT_FALSE(buffer.take(2).block.has_value());
  EXPECT_EQ(buffer.last_applied_sequence(), 1u);
}

TEST(InputJitterBuffer, FarFutureInputsAreRefused) {
  InputJitterBuffer buffer(16);
  buffer.add(input_for(100), 10);
  EXPECT_EQ(buffer.stats().too_early, 1u);
  EXPECT_EQ(buffer.depth(), 0u);
}

void flat(world::ChunkPos pos, std::span<world::BlockId, world::kChunkVolume> out) {
  for (int y = 0; y < 16; ++y) {
    const world::BlockId id = pos.y * 16 + y <= 4 ? blk::kStone : blk::kAir;
    for (int i = 0; i < 256; ++i) out[static_cast<std::size_t>(y * 256 + i)] = id;
  }
}

sim::PlayerState standing() {
  sim::PlayerState s;
  s.position = {Fx::from_ratio(1, 2), Fx::from_int(5), Fx::from_ratio(1, 2)};
  s.on_ground = true;
  return s;
}

TEST(Prediction, MatchingServerStatesNeedNoCorrection) {
  world::ChunkStore client_world(flat);
  world::ChunkStore server_world(flat);
  sim::Rules rules;
  PredictedPlayer predicted(rules);
  predicted.reset(standing(), 0);
  sim::PlayerState server = standing();
  int corrections = 0;
  for (std::uint32_t t = 1; t <= 100; ++t) {
    const auto in = input_for(t, t % 30 < 20 ? bits::kForward : bits::kLeft | bits::kJump);
    predicted.predict(in, client_world);
    sim::step_movement(server, in, server_world, rules);
    // The server's state arrives 3 ticks late.
    if (t > 3) corrections += predicted.reconcile(server, t, client_world) ? 1 : 0;
  }
  EXPECT_EQ(corrections, 0);
}

TEST(Prediction, AMismatchRewindsAndReplays) {
  world::ChunkStore client_world(flat);
  world::ChunkStore server_world(flat);
  sim::Rules rules;
  PredictedPlayer predicted(rules);
  predicted.reset(standing(), 0);
  sim::PlayerState server = standing();
  // A wall the client does not know about yet, 2 blocks ahead.
  for (int y = 5; y < 8; ++y) ASSERT_TRUE(server_world.set_block({0, y, 2}, blk::kStone).ok());
  std::vector<sim::PlayerState> server_history;
  for (std::uint32_t t = 1; t <= 20; ++t) {
    const auto in = input_for(t);
    predicted.predict(in, client_world);
    sim::step_movement(server, in, server_world, rules);
    server_history.push_back(server);
  }
  // The client learns of the wall, then hears about tick 15.
  for (int y = 5; y < 8; ++y) ASSERT_TRUE(client_world.set_block({0, y, 2}, blk::kStone).ok());
  auto event = predicted.reconcile(server_history[14], 15, client_world);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->tick, 15u);
  EXPECT_EQ(event->ticks_replayed, 5u);
  EXPECT_GT(event->error, Fx::from_int(1));
  EXPECT_TRUE(event->causes & kCausePosition);
  EXPECT_EQ(predicted.state(), server_history.back());  // replay landed where the server is
  // The same news again changes nothing.
  EXPECT_FALSE(predicted.reconcile(server_history[14], 15, client_world).has_value());
}

TEST(Prediction, AFallHurtsThePredictionAsItHurtsTheServer) {
  // The server's authoritative step and the client's prediction take the same fall damage, so a
  // hard landing needs no correction.
  world::ChunkStore server_world(flat), client_world(flat);
  sim::Rules rules;
  sim::Simulation server(rules, server_world);
  for (int y = 5; y < 13; ++y) ASSERT_TRUE(server_world.set_block({0, y, 0}, blk::kStone).ok());
  const sim::PlayerId id = server.add_player("a");  // on top of the pillar
  for (int y = 5; y < 13; ++y) ASSERT_TRUE(server_world.set_block({0, y, 0}, blk::kAir).ok());
  PredictedPlayer predicted(rules);
  predicted.reset(server.player(id)->state, 0);
  std::vector<sim::PlayerState> server_history;
  int corrections = 0;
  for (std::uint32_t t = 1; t <= 60; ++t) {
    const auto in = input_for(t, 0);
    predicted.predict(in, client_world);
    (void)server.step({{id, in}});
    server_history.push_back(server.player(id)->state);
    if (t > 2)
      corrections += predicted.reconcile(server_history[t - 3], t - 2, client_world) ? 1 : 0;
  }
  EXPECT_LT(server.player(id)->state.health, 20);  // the landing hurt
  EXPECT_EQ(predicted.state().health, server.player(id)->state.health);
  EXPECT_EQ(corrections, 0);
}

TEST(Prediction, ACorrectionSaysWhatDiffered) {
  world::ChunkStore w(flat);
  PredictedPlayer predicted(sim::Rules{});
  predicted.reset(standing(), 0);
  for (std::uint32_t t = 1; t <= 10; ++t) predicted.predict(input_for(t), w);
  // Same position, other velocity and health: a correction with zero error, and why.
  sim::PlayerState server = *predicted.state_at(4);
  server.velocity.y = Fx::from_int(3);
  server.health = 7;
  auto event = predicted.reconcile(server, 4, w);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->error, Fx{});
  EXPECT_EQ(event->causes, kCauseVelocity | kCauseHealth);
  EXPECT_EQ(correction_causes_text(event->causes), "velocity+health");
  // Ground contact alone.
  server = *predicted.state_at(6);
  server.on_ground = !server.on_ground;
  event = predicted.reconcile(server, 6, w);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(correction_causes_text(event->causes), "on_ground");
  // A tick the history no longer holds: the server's word is taken.
  PredictedPlayer short_memory(sim::Rules{}, 4);
  short_memory.reset(standing(), 0);
  for (std::uint32_t t = 1; t <= 10; ++t) short_memory.predict(input_for(t), w);
  event = short_memory.reconcile(standing(), 2, w);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(correction_causes_text(event->causes), "no_history");
  EXPECT_EQ(correction_causes_text(0), "");
  EXPECT_EQ(correction_causes_text(kCausePosition | kCauseVelocity | kCauseOnGround),
            "position+velocity+on_ground");
}

TEST(Prediction, UnacknowledgedInputsAreTheOnesAfterTheLastServerTick) {
  world::ChunkStore w(flat);
  PredictedPlayer predicted(sim::Rules{});
  predicted.reset(standing(), 0);
  for (std::uint32_t t = 1; t <= 10; ++t) predicted.predict(input_for(t), w);
  auto pending = predicted.unacknowledged(4);
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending.front().tick, 7u);
  EXPECT_EQ(pending.back().tick, 10u);
  sim::PlayerState s = predicted.state();
  (void)predicted.reconcile(s, 9, w);
  pending = predicted.unacknowledged(4);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending.front().tick, 10u);
}

EntitySample sample(std::uint32_t tick, int x, std::uint16_t yaw = 0) {
  EntitySample s;
  s.tick = tick;
  s.position = {Fx::from_int(x), Fx::from_int(5), Fx{}};
  s.velocity = {Fx::from_int(20), Fx{}, Fx{}};  // one block per tick at 20 Hz
  s.yaw = yaw;
  return s;
}

TEST(Interpolator, LerpsBetweenBracketingSamplesInAnyArrivalOrder) {
  Interpolator interp(20);
  interp.add(sample(12, 12, 65000));
  interp.add(sample(10, 10, 64000));
  interp.add(sample(10, 99));                               // repeated tick: ignored
  const auto view = interp.view_at(Fx::from_ratio(21, 2));  // tick 10.5
  ASSERT_TRUE(view.valid);
  EXPECT_FALSE(view.extrapolated);
  EXPECT_EQ(view.position.x, Fx::from_ratio(21, 2));
  EXPECT_EQ(view.yaw, 64250);
  // Yaw wraps the short way: 65000 -> 500 passes through 0.
  Interpolator wrap(20);
  wrap.add(sample(1, 0, 65000));
  wrap.add(sample(2, 0, 500));
  EXPECT_EQ(wrap.view_at(Fx::from_ratio(3, 2)).yaw, static_cast<std::uint16_t>(65000 + 518));
}

TEST(Interpolator, ExtrapolatesABoundedTimeWhenUpdatesAreLate) {
  Interpolator interp(20, Fx::from_int(4));
  interp.add(sample(10, 10));
  auto view = interp.view_at(Fx::from_int(12));
  EXPECT_TRUE(view.extrapolated);
  EXPECT_EQ(view.position.x, Fx::from_int(12));
  view = interp.view_at(Fx::from_int(40));
  EXPECT_EQ(view.position.x, Fx::from_int(14));  // held after 4 ticks
  EXPECT_EQ(interpolation_time(Fx::from_int(100), std::chrono::milliseconds(100), 20),
            Fx::from_int(98));
}

TEST(CorrectionSmoother, GlidesToTheNewStateAndSnapsOnTeleports) {
  CorrectionSmoother smoother;
  const sim::Vec3 at{Fx::from_int(10), Fx{}, Fx{}};
  smoother.on_correction({Fx::from_int(11), Fx{}, Fx{}}, at);
  EXPECT_EQ(smoother.render(at).x, Fx::from_int(11));
  int ticks = 0;
  while (smoother.remaining() > Fx{} && ticks < 100) {
    smoother.tick();
    ++ticks;
  }
  EXPECT_GT(ticks, 3);
  EXPECT_LT(ticks, 30);
  EXPECT_EQ(smoother.render(at), at);
  smoother.on_correction({Fx::from_int(50), Fx{}, Fx{}}, at);
  EXPECT_EQ(smoother.render(at), at);
}

}  // namespace
}  // namespace theta_net::netcode

#include "theta_net/netcode/server_clock.hpp"

namespace theta_net::netcode {
namespace {

TEST(ServerClock, EstimatesTheServerTickFromDelayedStamps) {
  ServerClock clock(20);
  EXPECT_FALSE(clock.synced());
  // The server is at tick t at time t * 50 ms; messages take 50 ms (+ up to 20 ms jitter).
  const Micros rtt{100'000};
  for (std::uint32_t t = 100; t < 140; ++t) {
    const std::uint64_t sent = t * 50'000ull;
    const std::uint64_t jitter = (t * 7919u) % 20'000u;
    clock.on_server_tick(t, micros(sent + 50'000 + jitter), rtt);
  }
  ASSERT_TRUE(clock.synced());
  // At local time 7,000,000 us the server is at tick 140 exactly (7 s / 50 ms).
  EXPECT_NEAR(clock.server_tick_at(Micros{7'000'000}).to_double(), 140.0, 0.1);
  // Inputs go out one-way (1 tick) + 2 x jitter (0.8 tick) + 2 ahead.
  EXPECT_EQ(clock.input_tick_at(Micros{7'000'000}, rtt, Micros{20'000}), 143u);
}

}  // namespace
}  // namespace theta_net::netcode
