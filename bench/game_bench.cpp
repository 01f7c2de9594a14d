// The reference game at scale over SimNet (20 Hz): the server's tick time with 16 to 256 clients
// and 0 to 10,000 server-driven mobs, chunk work on a worker pool of the machine's cores minus
// one (BM_GameScale) and on the tick thread alone (BM_GameScaleNoPool), in the same run; and the
// two-client game's simulated seconds per wall second (BM_TwoClients).
//   ./dev bench game
//   build/release/bench/theta_game_bench --benchmark_filter='clients:256/entities:10000'
// Each run joins for 3 s and then plays THETA_GAME_BENCH_SECONDS of virtual time (20 by
// default): every client walks straight away from the spawn on a heading of its own (so it keeps
// entering terrain nobody has generated yet), jumps now and then, and every 2 s places a block
// under itself or breaks the one it placed. Links: 50 ms each way, 5 ms jitter, 1% loss.
//
// Counters: tick_mean_ms, tick_p50_ms, tick_p99_ms, tick_max_ms over the played ticks (the
// server's tick alone: the clients run in the same process between ticks and are not counted);
// bytes_per_client_s (what the server's endpoint put on the wire for each client per second of
// play); server_mb_per_client
// (the server's per-client structures at the end, GameServer::client_memory_bytes, over the
// clients); sim_s_per_wall_s (virtual seconds played per wall second, clients included).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "theta_net/core/time.hpp"
#include "theta_net/session/local_session.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace {

using namespace theta_net;
using namespace std::chrono_literals;
namespace bits = protocol::movebuttons_bits;

struct Played {
  double wall_seconds = 0;
  double virtual_seconds = 0;
  std::vector<double> tick_ms;  // the played ticks' times
  std::uint64_t bytes_to_clients = 0;
  std::size_t client_memory_bytes = 0;
  std::size_t clients = 0;
  std::uint64_t overruns = 0;
};

double seconds_to_play() {
  const char* env = std::getenv("THETA_GAME_BENCH_SECONDS");
  const double s = env ? std::atof(env) : 20.0;
  return s > 0 ? s : 20.0;
}

std::size_t pool_workers() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 1 ? cores - 1 : 1;
}

// What the server's endpoint put on the wire for its clients so far.
std::uint64_t wire_bytes_to_clients(session::LocalSession& game) {
  std::uint64_t sent = 0;
  const session::ServerStatus status =
      game.server().status(game.server_driver().transport_lookup(), nullptr);
  for (const session::ClientStatus& c : status.client_list) sent += c.bytes_sent;
  return sent;
}

Played play(std::size_t clients, std::uint32_t mobs, std::size_t workers, bool replicate_on_workers,
            double seconds) {
  session::LocalSessionConfig config;
  config.server.world.terrain =
      world::TerrainGenerator({9, world::TerrainKind::kHills, 62}).filler();
  config.server.world.mobs.count = mobs;
  config.server.world.mobs.seed = 9;
  config.server.chunks.view_radius = 3;
  config.server.workers = workers;
  config.server.replicate_on_workers = replicate_on_workers;
  auto game = session::LocalSession::create(config).value();
  transport::LinkConfig link;
  link.latency = 50ms;
  link.jitter = 5ms;
  link.loss = 0.01;
  for (std::size_t i = 0; i < clients; ++i) {
    session::LocalClientSpec spec;
    spec.name = str_cat("p", i);
    spec.link = link;
    if (!game->add_client(spec).ok()) std::abort();
  }
  game->run_until(3s);
  const std::uint64_t ticks_before = game->server_driver().tick_times().count();
  const std::uint64_t sent_before = wire_bytes_to_clients(*game);
  const auto started = std::chrono::steady_clock::now();
  const Micros end = 3s + from_seconds(seconds).value();
  std::uint64_t step = 0;
  for (Micros t = 3s; t < end; t += 250ms, ++step) {
    for (std::size_t i = 0; i < clients; ++i) {
      session::GameClient& c = game->client(i);
      session::PlayerIntent intent;
      intent.buttons = bits::kForward | (step % 7 == 0 ? bits::kJump : 0);
      intent.yaw = static_cast<std::uint16_t>(i * 65536 / clients + 1000);
      if (step % 8 == 0 && c.has_player()) {
        const sim::Vec3 p = c.predicted().position;
        const protocol::Vec3i below{static_cast<std::int32_t>(p.x.floor()) + 1,
                                    static_cast<std::int32_t>(p.y.floor()) - 1,
                                    static_cast<std::int32_t>(p.z.floor())};
        intent.block = protocol::BlockAction{
            step % 16 == 0 ? protocol::BlockActionKind::kPlace : protocol::BlockActionKind::kBreak,
            below, protocol::BlockFace::kUp, world::blocks::kPlanks};
      }
      c.set_intent(intent);
    }
    game->run_until(std::min(end, t + Micros(250ms)));
  }
  Played out;
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.virtual_seconds = seconds;
  const session::TickTimes& times = game->server_driver().tick_times();
  const std::uint64_t played = times.count() - ticks_before;
  for (double ms : times.recent_ms(static_cast<std::size_t>(played))) out.tick_ms.push_back(ms);
  out.bytes_to_clients = wire_bytes_to_clients(*game) - sent_before;
  out.client_memory_bytes = game->server().client_memory_bytes();
  out.clients = clients;
  out.overruns = game->server().metrics().tick_overruns;
  return out;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  return v[rank];
}

void report(benchmark::State& state, const Played& p) {
  double sum = 0;
  for (double ms : p.tick_ms) sum += ms;
  const double n = static_cast<double>(std::max<std::size_t>(1, p.tick_ms.size()));
  state.counters["tick_mean_ms"] = sum / n;
  state.counters["tick_p50_ms"] = quantile(p.tick_ms, 0.5);
  state.counters["tick_p99_ms"] = quantile(p.tick_ms, 0.99);
  state.counters["tick_max_ms"] = quantile(p.tick_ms, 1.0);
  state.counters["bytes_per_client_s"] =
      static_cast<double>(p.bytes_to_clients) / static_cast<double>(p.clients) / p.virtual_seconds;
  state.counters["server_mb_per_client"] =
      static_cast<double>(p.client_memory_bytes) / static_cast<double>(p.clients) / 1e6;
  state.counters["sim_s_per_wall_s"] = p.virtual_seconds / p.wall_seconds;
  state.counters["overruns"] = static_cast<double>(p.overruns);
}

void run(benchmark::State& state, std::size_t workers, bool replicate_on_workers = true) {
  const auto clients = static_cast<std::size_t>(state.range(0));
  const auto mobs = static_cast<std::uint32_t>(state.range(1));
  Played played;
  for (auto _ : state) {
    played = play(clients, mobs, workers, replicate_on_workers, seconds_to_play());
  }
  state.counters["pool_workers"] = static_cast<double>(workers);
  report(state, played);
}

// The pool at the machine's cores minus one: chunk generation and encoding off the tick thread,
// and the clients' entity updates shared between the tick thread and the pool.
void BM_GameScale(benchmark::State& state) {
  run(state, pool_workers());
}
// The same games with every chunk generated and encoded on the tick thread.
void BM_GameScaleNoPool(benchmark::State& state) {
  run(state, 0);
}
// The pool for chunk work only: every entity update on the tick thread.
void BM_GameScaleChunkPool(benchmark::State& state) {
  run(state, pool_workers(), false);
}

void scale_grid(benchmark::internal::Benchmark* b, const char* players, const char* mobs) {
  b->ArgNames({players, mobs});
  for (std::int64_t clients : {16, 64, 128, 256}) {
    for (std::int64_t entities : {0, 1000, 10000}) b->Args({clients, entities});
  }
  b->Iterations(1)->Unit(benchmark::kMillisecond);
}

// The two-client game's speed: simulated seconds per wall second (clients included).
void BM_TwoClients(benchmark::State& state) {
  run(state, pool_workers());
}
BENCHMARK(BM_TwoClients)
    ->ArgNames({"players", "mobs"})
    ->Args({2, 0})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Named so that --benchmark_filter='clients:256/entities:10000' picks the pooled case alone.
BENCHMARK(BM_GameScale)->Apply([](auto* b) { scale_grid(b, "clients", "entities"); });
BENCHMARK(BM_GameScaleNoPool)->Apply([](auto* b) { scale_grid(b, "players", "mobs"); });
BENCHMARK(BM_GameScaleChunkPool)
    ->ArgNames({"players", "mobs"})
    ->ArgsProduct({{128, 256}, {1000, 10000}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
