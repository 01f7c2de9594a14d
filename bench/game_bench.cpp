// The reference game over SimNet: the server's tick time with 2, 16 and 64 clients moving and
// building, and how many simulated seconds pass per wall second in the two-client game.
//   ./dev bench game
// Each run plays 30 s of virtual time after 3 s of joining: every client walks in a slowly
// turning circle, jumps now and then, and every 2 s places a block next to itself or breaks
// the one it placed. Links: 50 ms each way (100 ms RTT), 5 ms jitter, 1% loss.
#include <benchmark/benchmark.h>

#include <chrono>

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
  session::TickTimes ticks;
};

Played play(std::size_t clients, double seconds) {
  session::LocalSessionConfig config;
  config.server.world.terrain =
      world::TerrainGenerator({9, world::TerrainKind::kHills, 62}).filler();
  config.server.chunks.view_radius = 3;
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
  const auto started = std::chrono::steady_clock::now();
  game->run_until(3s);
  const Micros end = 3s + from_seconds(seconds).value();
  std::uint64_t step = 0;
  for (Micros t = 3s; t < end; t += 250ms, ++step) {
    for (std::size_t i = 0; i < clients; ++i) {
      session::GameClient& c = game->client(i);
      session::PlayerIntent intent;
      intent.buttons = bits::kForward | (step % 7 == 0 ? bits::kJump : 0);
      intent.yaw = static_cast<std::uint16_t>(step * 1200 + i * 5000);
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
  out.virtual_seconds = to_seconds(end);
  out.ticks = game->server_driver().tick_times();
  return out;
}

void BM_ServerTick(benchmark::State& state) {
  const auto clients = static_cast<std::size_t>(state.range(0));
  Played played;
  for (auto _ : state) played = play(clients, 30.0);
  const session::TickTimes& t = played.ticks;
  auto us = [](Nanos n) { return static_cast<double>(n.count()) / 1000.0; };
  state.counters["tick_us_mean"] = us(t.mean());
  state.counters["tick_us_median"] = us(t.quantile(0.5));
  state.counters["tick_us_p99"] = us(t.quantile(0.99));
  state.counters["sim_s_per_wall_s"] = played.virtual_seconds / played.wall_seconds;
}
BENCHMARK(BM_ServerTick)->Arg(2)->Arg(16)->Arg(64)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
