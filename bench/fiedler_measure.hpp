// Runs the snapshot-compression scene (fiedler_scene.hpp) through theta_net's EntityCodec and a
// naive full-state sender in the same run, and sums what each sends.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

#include "fiedler_scene.hpp"
#include "theta_net/core/bit_io.hpp"
#include "theta_net/replication/entity_codec.hpp"

namespace theta_net::bench {

inline std::shared_ptr<const replication::Schema> fiedler_schema() {
  using replication::FieldDescriptor;
  constexpr std::int64_t kOne = replication::kFxOne;
  return replication::Schema::make(
             {replication::ComponentType::make(
                  "cube", {FieldDescriptor::fixed("x", 9, -256 * kOne, 256 * kOne),
                           FieldDescriptor::fixed("y", 9, -256 * kOne, 256 * kOne),
                           FieldDescriptor::fixed("z", 9, 0, 32 * kOne),
                           FieldDescriptor::quaternion("orientation", 9),
                           FieldDescriptor::boolean("interacting")})
                  .value()})
      .value();
}

inline replication::WorldState quantize(const FiedlerScene& scene,
                                        const std::shared_ptr<const replication::Schema>& schema) {
  replication::WorldState w(schema);
  w.reserve(scene.bodies().size());
  const auto fx = [](double v) { return static_cast<std::int64_t>(std::llround(v * 65536)); };
  std::array<std::int64_t, 8> raw{};
  for (std::size_t i = 0; i < scene.bodies().size(); ++i) {
    const Body& b = scene.bodies()[i];
    raw = {fx(b.position.x),    fx(b.position.y),    fx(b.position.z),    fx(b.orientation.x),
           fx(b.orientation.y), fx(b.orientation.z), fx(b.orientation.w), b.interacting ? 1 : 0};
    w.set_raw(i, 0, raw);
  }
  return w;
}

// The naive sender: every body's full state as floats each snapshot (position, orientation,
// linear velocity: 10 x 32 bits, plus the interacting bit = 321 bits per body).
inline std::size_t naive_snapshot_bits(const FiedlerScene& scene) {
  Bytes out;
  BitWriter w(out);
  const auto f32 = [&](double v) {
    const auto f = static_cast<float>(v);
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    w.write(u, 32);
  };
  for (const Body& b : scene.bodies()) {
    f32(b.position.x), f32(b.position.y), f32(b.position.z);
    f32(b.orientation.x), f32(b.orientation.y), f32(b.orientation.z), f32(b.orientation.w);
    f32(b.velocity.x), f32(b.velocity.y), f32(b.velocity.z);
    w.write_bool(b.interacting);
  }
  return w.bit_size();
}

struct FiedlerResult {
  int ticks = 0;              // snapshots measured (after the first acknowledgement)
  std::uint64_t bits = 0;     // payload bits sent by theta_net
  std::uint64_t changed = 0;  // bodies that differed from their baseline, summed over packets
  std::uint64_t naive_bits = 0;
  int idle_packets = 0;  // packets in which nothing differed from the baseline
  std::uint64_t idle_bits = 0;
  std::size_t max_packet_bytes = 0;
  bool decoded_exactly = true;  // every payload decoded to the server's state
  // How the motion looks to the coder, over the changed bodies: those whose position delta is
  // the same as another changed body's in the packet (moving in lock-step), and those that
  // moved along one axis only.
  std::uint64_t lockstep = 0;
  std::uint64_t single_axis = 0;

  double seconds() const { return ticks / 60.0; }
  double kbps() const { return bits / seconds() / 1000; }
  double naive_kbps() const { return naive_bits / seconds() / 1000; }
  double bits_per_changed() const { return changed ? double(bits) / changed : 0; }
  double lockstep_share() const { return changed ? double(lockstep) / changed : 0; }
  double single_axis_share() const { return changed ? double(single_axis) / changed : 0; }
  double idle_bits_per_packet() const {
    return idle_packets ? double(idle_bits) / idle_packets : 0;
  }
};

// Runs `ticks` snapshots; each is coded against the one sent `rtt_ticks` earlier (acknowledged
// one round trip later), the first ones against nothing. Measures from the first delta on.
// The changed bodies' position deltas, and how many are shared or along one axis.
inline void count_motion(const replication::WorldState& base, const replication::WorldState& now,
                         std::span<const replication::EntityChange> changes, FiedlerResult& r) {
  std::vector<std::array<std::int64_t, 3>> deltas;
  for (const auto& c : changes) {
    if (c.spawn() || c.despawn()) continue;
    const auto o = base.codes(c.baseline, 0), n = now.codes(c.current, 0);
    const std::array<std::int64_t, 3> d{n[0] - o[0], n[1] - o[1], n[2] - o[2]};
    r.single_axis += (d[0] != 0) + (d[1] != 0) + (d[2] != 0) == 1;
    if (d != std::array<std::int64_t, 3>{}) deltas.push_back(d);
  }
  std::sort(deltas.begin(), deltas.end());
  for (std::size_t i = 0; i < deltas.size(); ++i) {
    r.lockstep += (i > 0 && deltas[i] == deltas[i - 1]) ||
                  (i + 1 < deltas.size() && deltas[i] == deltas[i + 1]);
  }
}

inline FiedlerResult run_fiedler(int ticks, int rtt_ticks = 6, bool verify = false,
                                 FiedlerSceneConfig config = {}) {
  auto schema = fiedler_schema();
  replication::EntityCodec codec(schema);
  FiedlerScene scene(config);
  std::deque<replication::WorldState> sent;  // sent[i] = snapshot of tick (now - size + 1 + i)
  FiedlerResult r;
  std::vector<replication::EntityChange> changes;
  Bytes payload;
  for (int t = 1; t <= ticks; ++t) {
    scene.step();
    replication::WorldState now = quantize(scene, schema);
    const bool has_baseline = static_cast<int>(sent.size()) >= rtt_ticks;
    const replication::WorldState empty(schema);
    const replication::WorldState& base = has_baseline ? sent[sent.size() - rtt_ticks] : empty;
    replication::EntityCodec::diff(base, now, changes);
    payload.clear();
    codec.encode(base, now, changes, payload);
    if (verify) {
      auto back = codec.decode(base, payload);
      r.decoded_exactly = r.decoded_exactly && back.ok() && *back == now;
    }
    if (has_baseline) {
      ++r.ticks;
      r.bits += payload.size() * 8;
      r.changed += changes.size();
      count_motion(base, now, changes, r);
      r.naive_bits += naive_snapshot_bits(scene);
      r.max_packet_bytes = std::max(r.max_packet_bytes, payload.size());
      if (changes.empty()) {
        ++r.idle_packets;
        r.idle_bits += payload.size() * 8;
      }
    }
    sent.push_back(std::move(now));
    if (sent.size() > 32) sent.pop_front();
  }
  return r;
}

}  // namespace theta_net::bench
