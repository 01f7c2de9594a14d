// Prediction overhead per client tick: the generic Predictor (as the reference game's
// PredictedPlayer uses it) against the hand-written prediction it replaced, in the same run.
//   ./dev bench netcode
// One client tick = predict the next input, take the server's state from 3 ticks ago (the
// round trip), and gather the unacknowledged inputs for the next bundle. The player walks and
// jumps on flat ground; every 40th server state is nudged so that a correction rewinds and
// replays 3 ticks (corrections:1) or not (corrections:0).
//
// Input bundles: the bytes a tick's bundle takes with the generic delta-coded inputs (the
// reference game's input declared as an InputSchema) and with today's msgpack InputBundle, for
// the same stream of inputs; and the time to encode and decode a generic bundle.
//
// Also the lag compensator: recording 64 hit volumes a tick and judging one rewound shot.
#include <benchmark/benchmark.h>

#include <vector>

#include "hand_written_prediction.hpp"
#include "theta_net/netcode/input_codec.hpp"
#include "theta_net/netcode/lag_compensation.hpp"
#include "theta_net/netcode/prediction.hpp"
#include "theta_net/protocol/message_codec.hpp"
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

// The reference game's InputFrame as an application would declare it.
const netcode::InputSchema& reference_input_schema() {
  using F = replication::FieldDescriptor;
  static const netcode::InputSchema schema =
      netcode::InputSchema::make(
          "reference_input",
          {{F::integer("buttons", 0, 127)},
           {F::angle("yaw", 16)},
           {F::integer("pitch", -16384, 16384)},
           {F::integer("block_kind", 0, 2), false},  // 0: none; one-shot like the block itself
           {F::integer("block_x", -(1 << 25), 1 << 25), false},
           {F::integer("block_y", -(1 << 25), 1 << 25), false},
           {F::integer("block_z", -(1 << 25), 1 << 25), false},
           {F::integer("block_face", 0, 5), false},
           {F::integer("block_id", 0, 65535), false}})
          .value();
  return schema;
}

// A player walking a slowly turning path, looking around, jumping now and then and placing a
// block every 2 s: ticks 1..n.
std::vector<protocol::InputFrame> walking_inputs(std::uint32_t n) {
  std::vector<protocol::InputFrame> out;
  for (std::uint32_t t = 1; t <= n; ++t) {
    protocol::InputFrame in = input_for(t);
    in.yaw = static_cast<std::uint16_t>(t * 37 + (t / 20) * 900);  // mouse look
    in.pitch = static_cast<std::int16_t>(-1200 + (t % 60) * 20);
    if (t % 40 == 0) {
      in.block = protocol::BlockAction{protocol::BlockActionKind::kPlace,
                                       {static_cast<std::int32_t>(t / 10), 64, 3},
                                       protocol::BlockFace::kUp,
                                       world::blocks::kPlanks};
    }
    out.push_back(in);
  }
  return out;
}

std::vector<std::int64_t> codes_of(const protocol::InputFrame& in) {
  std::vector<std::int64_t> c = {in.buttons, in.yaw, in.pitch, 0, 0, 0, 0, 0, 0};
  if (in.block) {
    c[3] = static_cast<std::int64_t>(in.block->kind);
    c[4] = in.block->target.x;
    c[5] = in.block->target.y;
    c[6] = in.block->target.z;
    c[7] = static_cast<std::int64_t>(in.block->face);
    c[8] = in.block->block;
  }
  return c;
}

std::size_t msgpack_uint_size(std::uint64_t v) {
  return v < 128 ? 1 : v < 256 ? 2 : v < 65536 ? 3 : v <= UINT32_MAX ? 5 : 9;
}

// Each tick's bundle repeats the inputs the server has not acknowledged, at most 4
// (GameClientConfig::redundant_inputs); the server has acknowledged the input 3 ticks back, so
// a bundle holds 3 inputs. The generic bundle codes them against the acknowledged one.
void BM_InputBundleBytes(benchmark::State& st) {
  const bool generic = st.range(0) != 0;
  constexpr std::uint32_t kInputs = 1200;
  constexpr std::uint32_t kPerBundle = 4;
  const auto inputs = walking_inputs(kInputs);
  const netcode::InputSchema& schema = reference_input_schema();
  std::vector<std::vector<std::int64_t>> codes;
  for (const auto& in : inputs) codes.push_back(codes_of(in));
  std::size_t bytes = 0, bundles = 0;
  std::vector<std::int64_t> rows;
  Bytes body;
  for (auto _ : st) {
    bytes = 0;
    bundles = 0;
    for (std::uint32_t t = kPerBundle + 1; t <= kInputs; ++t) {
      const std::uint32_t first = t - kPerBundle + 1;
      const std::uint32_t acked = t - 3;
      // Both carry the inputs after the acknowledged one (at most kPerBundle).
      const std::uint32_t from = std::max(first, acked + 1);
      if (generic) {
        rows.clear();
        for (std::uint32_t i = first; i <= t; ++i) {
          rows.insert(rows.end(), codes[i - 1].begin(), codes[i - 1].end());
        }
        // Coded against the acknowledged input.
        auto payload = netcode::encode_input_bundle(
            schema, from, std::span(rows).subspan((from - first) * schema.slots()),
            codes[acked - 1]);
        if (!payload.ok()) std::abort();
        // A message [last_server_tick, bin payload] around it: fixarray, uint, bin8 header.
        bytes += 1 + msgpack_uint_size(t) + 2 + payload->size();
      } else {
        protocol::InputBundle bundle;
        bundle.last_server_tick = t;
        bundle.inputs.assign(inputs.begin() + from - 1, inputs.begin() + t);
        body.clear();
        if (!protocol::encode_body(bundle, body).ok()) std::abort();
        bytes += body.size();
      }
      ++bundles;
    }
    benchmark::DoNotOptimize(bytes);
  }
  st.counters["bytes_per_bundle"] = static_cast<double>(bytes) / static_cast<double>(bundles);
}
BENCHMARK(BM_InputBundleBytes)->ArgName("generic")->Arg(0)->Arg(1);

void BM_InputBundleDecode(benchmark::State& st) {
  const netcode::InputSchema& schema = reference_input_schema();
  const auto inputs = walking_inputs(60);
  std::vector<std::int64_t> rows;
  for (std::uint32_t t = 38; t <= 41; ++t) {
    const auto c = codes_of(inputs[t - 1]);
    rows.insert(rows.end(), c.begin(), c.end());
  }
  const auto baseline = codes_of(inputs[36]);
  const Bytes payload = netcode::encode_input_bundle(schema, 38, rows, baseline).value();
  for (auto _ : st) {
    auto decoded = netcode::decode_input_bundle(schema, payload, baseline);
    if (!decoded.ok()) std::abort();
    benchmark::DoNotOptimize(decoded->rows.data());
  }
  st.counters["payload_bytes"] = static_cast<double>(payload.size());
}
BENCHMARK(BM_InputBundleDecode);

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
