// Prediction overhead per client tick: the generic Predictor (as the reference game's
// PredictedPlayer uses it) against the hand-written prediction it replaced, in the same run.
//   ./dev bench netcode
// One client tick = predict the next input, take the server's state from 3 ticks ago (the
// round trip), and gather the unacknowledged inputs for the next bundle. The player walks and
// jumps on flat ground; every 40th server state is nudged so that a correction rewinds and
// replays 3 ticks (corrections:1) or not (corrections:0).
//
// Also the lag compensator: recording 64 hit volumes a tick and judging one rewound shot.
#include <benchmark/benchmark.h>

#include <vector>

#include "hand_written_prediction.hpp"
#include "theta_net/netcode/lag_compensation.hpp"
#include "theta_net/netcode/prediction.hpp"
#include "theta_net/sim/movement.hpp"
#include "theta_net/world/chunk_store.hpp"

namespace {

using namespace theta_net;
namespace bits = protocol::movebuttons_bits;

constexpr std::uint32_t kTicks = 1200;
constexpr std::uint32_t kDelay = 3;

void flat(world::ChunkPos pos, std::span<world::BlockId, world::kChunkVolume> out) {
  for (int y = 0; y < 16; ++y) {
    const world::BlockId id = pos.y * 16 + y <= 4 ? world::blocks::kStone : world::blocks::kAir;
    for (int i = 0; i < 256; ++i) out[static_cast<std::size_t>(y * 256 + i)] = id;
  }
}

protocol::InputFrame input_for(std::uint32_t t) {
  protocol::InputFrame in;
  in.tick = t;
  in.sequence = t;
  in.buttons = bits::kForward | (t % 25 == 0 ? bits::kJump : 0);
  in.yaw = static_cast<std::uint16_t>(t * 300);
  return in;
}

sim::PlayerState standing() {
  sim::PlayerState s;
  s.position = {Fx::from_ratio(1, 2), Fx::from_int(5), Fx::from_ratio(1, 2)};
  s.on_ground = true;
  return s;
}

struct Script {
  std::vector<protocol::InputFrame> inputs;
  std::vector<sim::PlayerState> server;  // after each tick
};

const Script& script(bool corrections) {
  static Script scripts[2];
  Script& s = scripts[corrections ? 1 : 0];
  if (!s.inputs.empty()) return s;
  world::ChunkStore world(flat);
  sim::Rules rules;
  sim::PlayerState state = standing();
  s.server.push_back(state);
  for (std::uint32_t t = 1; t <= kTicks; ++t) {
    s.inputs.push_back(input_for(t));
    sim::step_movement(state, s.inputs.back(), world, rules);
    sim::PlayerState told = state;
    if (corrections && t % 40 == 0) told.health = static_cast<std::int16_t>(told.health - 1);
    s.server.push_back(told);
  }
  return s;
}

template <class Player>
void client_ticks(benchmark::State& st) {
  const Script& s = script(st.range(0) != 0);
  world::ChunkStore world(flat);
  Player player(sim::Rules{});
  std::uint32_t t = 0;
  std::size_t corrections = 0;
  std::size_t bundled = 0;
  for (auto _ : st) {
    if (t == 0 || t == kTicks) {
      player.reset(standing(), 0);
      t = 0;
    }
    ++t;
    player.predict(s.inputs[t - 1], world);
    if (t > kDelay) {
      if (player.reconcile(s.server[t - kDelay], t - kDelay, world)) ++corrections;
    }
    bundled += player.unacknowledged(8).size();
    benchmark::DoNotOptimize(player.state());
  }
  st.counters["corrections_per_tick"] =
      benchmark::Counter(static_cast<double>(corrections), benchmark::Counter::kAvgIterations);
  st.counters["inputs_bundled"] =
      benchmark::Counter(static_cast<double>(bundled), benchmark::Counter::kAvgIterations);
}

void BM_ClientTickHandWritten(benchmark::State& st) {
  client_ticks<bench::HandWrittenPredictedPlayer>(st);
}
void BM_ClientTickGeneric(benchmark::State& st) {
  client_ticks<netcode::PredictedPlayer>(st);
}
BENCHMARK(BM_ClientTickHandWritten)->ArgName("corrections")->Arg(0)->Arg(1);
BENCHMARK(BM_ClientTickGeneric)->ArgName("corrections")->Arg(0)->Arg(1);

void BM_LagCompensatedShot(benchmark::State& st) {
  netcode::LagCompensator lc({20, Micros(200'000)});
  std::vector<netcode::HitVolume> volumes(64);
  for (std::uint32_t t = 0; t < 10; ++t) {
    for (std::size_t i = 0; i < volumes.size(); ++i) {
      volumes[i] = {i + 1,
                    {Fx::from_int(static_cast<std::int64_t>(i % 8) * 4 + t), Fx::from_int(1),
                     Fx::from_int(static_cast<std::int64_t>(i / 8) * 4 + 10)},
                    {Fx::from_ratio(1, 2), Fx::from_int(1), Fx::from_ratio(1, 2)}};
    }
    if (!lc.record(t, volumes).ok()) std::abort();
  }
  std::size_t hits = 0;
  std::uint32_t i = 0;
  for (auto _ : st) {
    const Fx x = Fx::from_ratio(static_cast<std::int64_t>(i++ % 64), 2);
    const auto r = lc.hitscan({{x, Fx::from_int(1), Fx{}}, {x, Fx::from_int(1), Fx::from_int(60)}},
                              0, Micros(80'000), Micros(100'000));
    hits += r.hit ? 1 : 0;
  }
  st.counters["hit_share"] =
      benchmark::Counter(static_cast<double>(hits), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_LagCompensatedShot);

}  // namespace
