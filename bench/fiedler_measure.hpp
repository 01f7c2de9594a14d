// Runs the snapshot-compression scene (fiedler_scene.hpp) through theta_net's EntityCodec and a
// naive full-state sender in the same run, and sums what each sends.
#pragma once

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
  int overlapping_cubes = 0;    // at the end (FiedlerScene::overlapping_cubes)

  double seconds() const { return ticks / 60.0; }
  double kbps() const { return bits / seconds() / 1000; }
  double naive_kbps() const { return naive_bits / seconds() / 1000; }
  double bits_per_changed() const { return changed ? double(bits) / changed : 0; }
  double idle_bits_per_packet() const {
    return idle_packets ? double(idle_bits) / idle_packets : 0;
  }
};

// Runs `ticks` snapshots; each is coded against the one sent `rtt_ticks` earlier (acknowledged
// one round trip later), the first ones against nothing. Measures from the first delta on.
inline FiedlerResult run_fiedler(int ticks, int rtt_ticks = 6, bool verify = false,
                                 Contact contact = Contact::kFaces) {
  auto schema = fiedler_schema();
  replication::EntityCodec codec(schema);
  FiedlerScene scene(contact);
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
  r.overlapping_cubes = scene.overlapping_cubes();
  return r;
}

}  // namespace theta_net::bench
