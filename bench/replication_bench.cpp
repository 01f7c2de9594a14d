// Replication benchmarks (docs/benchmarks.md, "Replication"):
//   ./dev bench replication
// 1. Snapshot compression in Glenn Fiedler's setting (fiedler_scene.hpp): kbps, bits per
//    changed body and bits per idle packet, next to a naive full-state sender in the same run.
// 2. Delta tracking (DeltaTracker, reliable lane) and entity delta encoding (EntityCodec, the
//    entities lane, one client) for 10..10,000 entities at 1..100% changed per frame, with the
//    memory each tracked entity costs; decoding; and one ClientReplicator packet.
#include <benchmark/benchmark.h>

#include "fiedler_measure.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/replication/client_replicator.hpp"
#include "theta_net/replication/component_codec.hpp"
#include "theta_net/replication/delta_tracker.hpp"
#include "theta_net/replication/reference_components.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::replication;

void fiedler_snapshot_compression(benchmark::State& state, bench::FiedlerSceneConfig config) {
  bench::FiedlerResult r;
  for (auto _ : state) {
    // 20 s of the scene at 60 snapshots a second; every payload decoded and compared.
    r = bench::run_fiedler(1200, 6, true, config);
    benchmark::DoNotOptimize(r);
  }
  state.counters["kbps"] = r.kbps();
  state.counters["naive_kbps"] = r.naive_kbps();
  state.counters["pct_of_naive"] = 100 * r.kbps() / r.naive_kbps();
  state.counters["bits_per_changed_body"] = r.bits_per_changed();
  state.counters["idle_packet_bits"] = r.idle_bits_per_packet();
  state.counters["changed_per_packet"] = double(r.changed) / r.ticks;
  state.counters["lockstep_pct"] = 100 * r.lockstep_share();
  state.counters["single_axis_pct"] = 100 * r.single_axis_share();
  state.counters["max_packet_bytes"] = double(r.max_packet_bytes);
  state.counters["snapshots"] = r.ticks;
  state.counters["decoded_exactly"] = r.decoded_exactly ? 1 : 0;
  if (!r.decoded_exactly) state.SkipWithError("a payload did not decode to the server's state");
}
// The benchmark's scene: cubes meet face to face.
void BM_FiedlerSnapshotCompression(benchmark::State& state) {
  fiedler_snapshot_compression(state, {});
}
BENCHMARK(BM_FiedlerSnapshotCompression)->Unit(benchmark::kMillisecond)->Iterations(1);
// The same with the driver's path turned 30 degrees: it meets the rows at an angle.
void BM_FiedlerSnapshotCompressionPathTurned30(benchmark::State& state) {
  fiedler_snapshot_compression(state, {.contact = bench::Contact::kFaces, .path_degrees = 30});
}
BENCHMARK(BM_FiedlerSnapshotCompressionPathTurned30)->Unit(benchmark::kMillisecond)->Iterations(1);
// The stress variant: cubes collide as spheres, and the pile flows.
void BM_FiedlerSnapshotCompressionSphereContacts(benchmark::State& state) {
  fiedler_snapshot_compression(state, {.contact = bench::Contact::kSpheres, .path_degrees = 0});
}
BENCHMARK(BM_FiedlerSnapshotCompressionSphereContacts)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// A reference-schema world of n players and mobs, and the next frame with `percent` of them
// moved (position, heading; some health).
struct Frames {
  WorldState before, after;
  std::size_t changed = 0;
};

Frames frames(std::size_t n, int percent) {
  auto schema = reference::schema();
  reference::ReferenceAccess access(*schema);
  Frames f{WorldState(schema), WorldState(schema)};
  Rng rng(n * 100 + static_cast<std::uint64_t>(percent));
  for (EntityId id = 1; id <= n; ++id) {
    access.set(f.before, id,
               reference::Transform{Fx::from_raw(rng.uniform_int(-(512 << 16), 512 << 16)),
                                    Fx::from_raw(rng.uniform_int(60 << 16, 80 << 16)),
                                    Fx::from_raw(rng.uniform_int(-(512 << 16), 512 << 16)),
                                    static_cast<std::int32_t>(rng.uniform(65536)), 0});
    access.set(f.before, id, reference::Velocity{});
    access.set(f.before, id, reference::Health{20, 20});
  }
  f.after = f.before;
  for (std::size_t i = 0; i < n; ++i) {
    if (rng.uniform(100) >= static_cast<std::uint64_t>(percent)) continue;
    ++f.changed;
    auto t = access.transform(f.after, i);
    // A walking step at 20 Hz: up to ~0.2 blocks, and a turn.
    t.x += Fx::from_raw(rng.uniform_int(-14000, 14000));
    t.z += Fx::from_raw(rng.uniform_int(-14000, 14000));
    t.yaw += static_cast<std::int32_t>(rng.uniform_int(-3000, 3000));
    access.set(f.after, f.after.id(i), t);
    access.set(f.after, f.after.id(i),
               reference::Velocity{Fx::from_raw(rng.uniform_int(-(4 << 16), 4 << 16)), Fx{},
                                   Fx::from_raw(rng.uniform_int(-(4 << 16), 4 << 16))});
    if (rng.uniform(10) == 0) access.set(f.after, f.after.id(i), reference::Health{19, 20});
  }
  return f;
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int n : {10, 100, 1000, 10000}) {
    for (int percent : {1, 10, 50, 100}) b->Args({n, percent});
  }
}

void BM_DeltaTracking(benchmark::State& state) {
  const auto f = frames(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  DeltaTracker tracker(f.before.schema_ptr());
  tracker.diff(f.before, 1);
  std::uint32_t tick = 1;
  std::size_t entries = 0;
  for (auto _ : state) {
    ++tick;
    auto out = tracker.diff(tick % 2 ? f.before : f.after, tick);
    entries = out.empty() ? 0 : out.front().entries.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["entries"] = double(entries);
  state.counters["bytes_per_entity"] =
      double(tracker.memory_bytes()) / static_cast<double>(state.range(0));
}
BENCHMARK(BM_DeltaTracking)->Apply(sizes)->Unit(benchmark::kMicrosecond);

void BM_EntityEncode(benchmark::State& state) {
  const auto f = frames(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  EntityCodec codec(f.before.schema_ptr());
  std::vector<EntityChange> changes;
  Bytes payload;
  for (auto _ : state) {  // one client: find what changed, code all of it
    EntityCodec::diff(f.before, f.after, changes);
    payload.clear();
    codec.encode(f.before, f.after, changes, payload);
    benchmark::DoNotOptimize(payload.data());
  }
  state.counters["changed"] = double(f.changed);
  state.counters["payload_bytes"] = double(payload.size());
  state.counters["bits_per_changed"] = f.changed ? payload.size() * 8.0 / f.changed : 0;
  state.counters["bytes_per_entity"] =
      double(f.after.memory_bytes()) / static_cast<double>(state.range(0));
}
BENCHMARK(BM_EntityEncode)->Apply(sizes)->Unit(benchmark::kMicrosecond);

// The same-run baseline of BM_EntityEncode: a naive sender's full state, every component of
// every entity bit-packed at fixed width (ComponentCodec, as in snapshots), nothing compared.
void BM_NaiveFullState(benchmark::State& state) {
  const auto f = frames(static_cast<std::size_t>(state.range(0)), 10);
  const Schema& schema = f.after.schema();
  Bytes payload;
  for (auto _ : state) {
    payload.clear();
    for (std::size_t i = 0; i < f.after.size(); ++i) {
      for (std::size_t k = 0; k < schema.size(); ++k) {
        if (f.after.mask(i) >> k & 1)
          encode_component(schema.type(k), f.after.codes(i, k), payload);
      }
    }
    benchmark::DoNotOptimize(payload.data());
  }
  state.counters["payload_bytes"] = double(payload.size());
}
BENCHMARK(BM_NaiveFullState)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

void BM_EntityDecode(benchmark::State& state) {
  const auto f = frames(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  EntityCodec codec(f.before.schema_ptr());
  const Bytes payload = codec.encode(f.before, f.after);
  for (auto _ : state) {
    auto decoded = codec.decode(f.before, payload);
    benchmark::DoNotOptimize(decoded);
  }
}
BENCHMARK(BM_EntityDecode)->Args({10000, 10})->Args({1000, 100})->Unit(benchmark::kMicrosecond);

// One datagram for one client: diff against its acknowledged view, priorities, packet fill
// within 1,114 bytes, the view recorded as a baseline.
void BM_ClientReplicatorPacket(benchmark::State& state) {
  const auto f = frames(static_cast<std::size_t>(state.range(0)), static_cast<int>(state.range(1)));
  std::vector<VisibleEntity> visible;
  for (EntityId id : f.after.ids()) visible.push_back({id, 1});
  ClientReplicatorConfig config;
  config.update_interval = Micros(0);
  config.bytes_per_second = 1u << 30;
  ClientReplicator replicator(f.before.schema_ptr(), config);
  std::uint32_t tick = 1;
  // Bring the client up to `before`, acknowledged.
  for (int n = 0; n < 1000; ++n) {
    auto d = replicator.update(f.before, visible, tick, Micros(tick));
    replicator.acknowledge(tick++);
    if (d && replicator.pending() == 0) break;
  }
  std::size_t sent = 0;
  for (auto _ : state) {
    // Not acknowledged: every round codes against the same baseline, which stays in the
    // 32-packet history for the 25 iterations below.
    auto d = replicator.update(f.after, visible, tick, Micros(tick));
    ++tick;
    sent = d ? d->payload.size() : 0;
    benchmark::DoNotOptimize(d);
  }
  state.counters["payload_bytes"] = double(sent);
  state.counters["pending"] = double(replicator.pending());
}
BENCHMARK(BM_ClientReplicatorPacket)
    ->Args({10000, 10})
    ->Args({1000, 10})
    ->Iterations(25)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
