// What a /metrics scrape costs the server (issue 17: under 1 ms with 64 clients). The server's
// routes (session::ServerHttpRoutes) answer on the server's loop thread, so their time is the
// scrape's cost to it; /status (the dashboard's JSON) is measured in the same run beside it.
//   ./dev bench http
// The game: 64 clients over SimNet on hills terrain, view radius 3, 5 s after joining.
#include <benchmark/benchmark.h>

#include <chrono>

#include "theta_net/session/local_session.hpp"
#include "theta_net/session/server_http.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace {

using namespace theta_net;
using namespace std::chrono_literals;

std::unique_ptr<session::LocalSession> game_with(std::size_t clients) {
  session::LocalSessionConfig config;
  config.server.world.terrain =
      world::TerrainGenerator({9, world::TerrainKind::kHills, 62}).filler();
  config.server.chunks.view_radius = 3;
  auto game = session::LocalSession::create(config).value();
  for (std::size_t i = 0; i < clients; ++i) {
    session::LocalClientSpec spec;
    spec.name = str_cat("p", i);
    if (!game->add_client(spec).ok()) std::abort();
  }
  game->run_until(5s);
  return game;
}

void scrape(benchmark::State& state, std::string_view path) {
  auto game = game_with(static_cast<std::size_t>(state.range(0)));
  session::ServerHttpRoutes routes;
  routes.status = [&game] {
    return game->server().status(game->server_driver().transport_lookup(),
                                 &game->server_driver().tick_times(), {});
  };
  transport::HttpRequest request;
  request.method = "GET";
  request.path = std::string(path);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const transport::HttpResponse r = routes(request);
    bytes = r.body.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
  state.counters["tick_us_mean"] =
      static_cast<double>(game->server_driver().tick_times().mean().count()) / 1000.0;
}

void BM_MetricsScrape(benchmark::State& state) {
  scrape(state, "/metrics");
}
void BM_StatusJson(benchmark::State& state) {
  scrape(state, "/status");
}
BENCHMARK(BM_MetricsScrape)->Arg(64)->ArgName("clients")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StatusJson)->Arg(64)->ArgName("clients")->Unit(benchmark::kMicrosecond);

}  // namespace
