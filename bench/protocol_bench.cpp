// Wire protocol: encode (body + frame) and decode (frame check + body) per message, and bytes on
// the wire next to a JSON text of the same content, in one run.
//   ./dev bench protocol
// Counters: wire_bytes = the whole frame; json_bytes = to_json() of the same message.
#include <benchmark/benchmark.h>
#include <zstd.h>

#include <fstream>
#include <vector>

#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/protocol/message_json.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::protocol;

InputBundle input_bundle() {
  InputBundle b;
  b.last_server_tick = 123456;
  for (std::uint32_t i = 0; i < 4; ++i) {  // the newest input and three unacknowledged repeats
    InputFrame f;
    f.tick = 123460 + i;
    f.sequence = 9000 + i;
    f.buttons = 0b10001;
    f.yaw = static_cast<std::uint16_t>(40000 + 13 * i);
    f.pitch = -1200;
    if (i == 3)
      f.block = BlockAction{BlockActionKind::kPlace, Vec3i{-120, 64, 3051}, BlockFace::kUp, 12};
    b.inputs.push_back(f);
  }
  return b;
}

// 64 entities at about 48 bits each (replication's bitstream, before issue 6 fills it for real).
EntityDelta entity_delta() {
  EntityDelta d;
  d.server_tick = 123460;
  d.baseline_tick = 123454;
  d.last_input_sequence = 9003;
  d.payload.resize(64 * 6);
  for (std::size_t i = 0; i < d.payload.size(); ++i)
    d.payload[i] = static_cast<std::uint8_t>(i * 37 + 11);
  return d;
}

// A real 16^3 section of the shared Minecraft corpus, compressed with zstd -19 (the codec's job
// until the voxel codec lands).
ChunkData chunk_data() {
  ChunkData c;
  c.position = Vec3i{12, 4, -7};
  c.revision = 3;
  std::vector<std::uint16_t> ids(4096);
  std::ifstream in(THETA_SHARED_DIR "/data/minecraft/sections.u16", std::ios::binary);
  in.read(reinterpret_cast<char*>(ids.data()), 8192);
  if (!in) {
    for (std::size_t i = 0; i < ids.size(); ++i)
      ids[i] = static_cast<std::uint16_t>(i < 2048 ? 1 : 9);
  }
  c.blob.resize(ZSTD_compressBound(8192));
  c.blob.resize(ZSTD_compress(c.blob.data(), c.blob.size(), ids.data(), 8192, 19));
  return c;
}

Heartbeat heartbeat() {
  Heartbeat h;
  h.kind = HeartbeatKind::kPong;
  h.id = 812;
  h.sent_at_us = 81234567890;
  h.responder_at_us = 81234569000;
  h.rtt_us = 1450;
  h.jitter_us = 90;
  h.server_tick = 123460;
  return h;
}

// About 1 KB of structured content: 16 component entries with 48-byte payloads.
ComponentDelta kilobyte_message() {
  ComponentDelta d;
  d.server_tick = 123460;
  for (std::uint64_t i = 0; i < 16; ++i) {
    ComponentEntry e;
    e.entity = 1000 + i;
    e.component = 0x9e3779b97f4a7c15ull * (i % 3 + 1);
    e.op = ComponentOp::kUpdate;
    e.revision = static_cast<std::uint32_t>(40 + i);
    e.payload.assign(48, static_cast<std::uint8_t>(i));
    d.entries.push_back(e);
  }
  return d;
}

Bytes encode_frame(const AnyMessage& message) {
  EncodedMessage encoded{static_cast<std::uint16_t>(type_of(message)), {}};
  (void)encode_body(message, encoded.body);
  Bytes frame;
  write_message_frame({&encoded, 1}, 17, {}, frame);
  return frame;
}

void report(benchmark::State& state, const AnyMessage& message) {
  const Bytes frame = encode_frame(message);
  state.counters["wire_bytes"] = static_cast<double>(frame.size());
  state.counters["json_bytes"] = static_cast<double>(to_json(message).size());
}

void encode_bench(benchmark::State& state, const AnyMessage& message) {
  for (auto _ : state) {
    Bytes frame = encode_frame(message);
    benchmark::DoNotOptimize(frame.data());
  }
  report(state, message);
}

void decode_bench(benchmark::State& state, const AnyMessage& message) {
  const Bytes frame = encode_frame(message);
  for (auto _ : state) {
    auto parsed = read_frame(frame, kProtocolMajor, {});
    auto messages = read_frame_messages(*parsed, {});
    benchmark::DoNotOptimize(messages.ok());
  }
  report(state, message);
}

void json_bench(benchmark::State& state, const AnyMessage& message) {
  for (auto _ : state) {
    std::string json = to_json(message);
    benchmark::DoNotOptimize(json.data());
  }
  report(state, message);
}

#define THETA_PROTOCOL_BENCH(name, make)                     \
  BENCHMARK_CAPTURE(encode_bench, name, AnyMessage(make())); \
  BENCHMARK_CAPTURE(decode_bench, name, AnyMessage(make())); \
  BENCHMARK_CAPTURE(json_bench, name, AnyMessage(make()));

THETA_PROTOCOL_BENCH(InputBundle4, input_bundle)
THETA_PROTOCOL_BENCH(EntityDelta64, entity_delta)
THETA_PROTOCOL_BENCH(ChunkData16cubed, chunk_data)
THETA_PROTOCOL_BENCH(Heartbeat, heartbeat)
THETA_PROTOCOL_BENCH(ComponentDelta1KB, kilobyte_message)

}  // namespace
