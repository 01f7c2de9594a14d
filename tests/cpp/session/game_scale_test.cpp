// The reference game at scale: chunk work on 0, 1 or 3 pool threads gives the same game byte for
// byte; mobs wander deterministically and replay; a server over its tick budget sheds chunk
// streaming and entity payload but keeps simulating every tick.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "recorded_game.hpp"
#include "theta_net/session/local_session.hpp"
#include "theta_net/session/replay_runner.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
namespace bits = protocol::movebuttons_bits;

struct Played {
  std::string server;                // the server's event stream
  std::vector<std::string> clients;  // each client's event stream
  std::vector<std::uint64_t> chunks_loaded;
  ServerMetrics metrics;
  std::uint32_t tick = 0;
};

struct ScaleGame {
  std::size_t workers = 0;
  std::uint32_t mobs = 300;
  Nanos tick_budget{0};
  std::size_t clients = 4;
  Micros length = 8s;
};

// Clients walk away from the spawn on headings of their own (into terrain nobody has made yet),
// over a lossy, jittery link: what each receives, and when, is in its event stream.
Played play(const ScaleGame& g) {
  auto header = replay::StreamHeader::for_this_build("game_scale_test", 5, 20, "server");
  auto server_events = replay::EventWriter::to_memory(header);
  EXPECT_TRUE(server_events.ok());
  std::vector<std::unique_ptr<replay::EventWriter>> client_events;
  LocalSessionConfig config;
  config.seed = 5;
  config.server.world.terrain =
      world::TerrainGenerator({5, world::TerrainKind::kHills, 62}).filler();
  config.server.world.mobs = {.count = g.mobs, .seed = 5, .spread = 48};
  config.server.chunks.view_radius = 2;
  config.server.workers = g.workers;
  config.server.tick_budget = g.tick_budget;
  auto session = LocalSession::create(config, &*server_events);
  EXPECT_TRUE(session.ok());
  LocalSession& s = **session;
  for (std::size_t i = 0; i < g.clients; ++i) {
    header.role = str_cat("client-", i);
    client_events.push_back(
        std::make_unique<replay::EventWriter>(replay::EventWriter::to_memory(header).value()));
    LocalClientSpec spec;
    spec.name = str_cat("p", i);
    spec.link.latency = 40ms;
    spec.link.jitter = 5ms;
    spec.link.loss = 0.02;
    spec.events = client_events.back().get();
    EXPECT_TRUE(s.add_client(spec).ok());
  }
  s.run_until(2s);
  for (std::size_t i = 0; i < g.clients; ++i) {
    PlayerIntent walk;
    walk.buttons = bits::kForward;
    walk.yaw = static_cast<std::uint16_t>(i * 65536 / g.clients + 3000);
    s.client(i).set_intent(walk);
  }
  s.run_until(2s + g.length);
  Played out;
  out.server = server_events->take();
  for (std::size_t i = 0; i < g.clients; ++i) {
    out.clients.push_back(client_events[i]->take());
    out.chunks_loaded.push_back(s.client(i).metrics().chunks_loaded);
  }
  out.metrics = s.server().metrics();
  out.tick = s.server().world().tick();
  return out;
}

TEST(GameScale, TheWorkerPoolNeverChangesTheGame) {
  const Played alone = play({.workers = 0});
  for (std::uint64_t loaded : alone.chunks_loaded)
    EXPECT_GT(loaded, 100u) << "walked into new land";
  EXPECT_NE(alone.clients[0].find(R"("kind":"chunk_load")"), std::string::npos);
  EXPECT_NE(alone.clients[0].find(R"("kind":"spawn")"), std::string::npos) << "mobs in view";
  for (std::size_t workers : {1u, 3u}) {
    const Played pooled = play({.workers = workers});
    EXPECT_EQ(pooled.server, alone.server) << workers << " workers";
    ASSERT_EQ(pooled.clients.size(), alone.clients.size());
    for (std::size_t i = 0; i < alone.clients.size(); ++i) {
      EXPECT_EQ(pooled.clients[i], alone.clients[i]) << "client " << i << ", " << workers;
    }
  }
}

TEST(GameScale, MobsWanderTheSameWayAndReplayFromTheInputLog) {
  auto header = replay::StreamHeader::for_this_build("game_scale_test", 5, 20, "server");
  header.extra = world_header_extra("hills", 20, {}, nullptr, 500);
  testing::RecordedStreams streams;
  ASSERT_TRUE(streams.open("theta_mobs_", header));
  LocalSessionConfig config;
  config.seed = 5;
  config.server.world.terrain =
      world::TerrainGenerator({5, world::TerrainKind::kHills, 62}).filler();
  config.server.world.mobs = {.count = 500, .seed = 5};
  config.server.chunks.view_radius = 2;
  auto s = LocalSession::create(config, streams.events(), streams.inputs()).value();
  LocalClientSpec spec;
  spec.name = "a";
  ASSERT_TRUE(s->add_client(spec).ok());
  s->run_until(6s);
  EXPECT_EQ(s->server().metrics().entities, 501u);
  const std::string stream = streams.finish(s->server());
  EXPECT_NE(stream.find(R"("entities":")"), std::string::npos);
  EXPECT_EQ(stream.find(R"("entities":"0000000000000000")"), std::string::npos)
      << "the mobs are in the state hash";
  EXPECT_EQ(streams.replayed(), stream) << "a replay moves the same mobs the same way";
}

TEST(GameScale, OverTheTickBudgetTheServerShedsWorkButKeepsTicking) {
  // Every tick overruns a 1 ns budget: chunks trickle in (one a tick), every tick is simulated,
  // and each player still gets its own state and its entity updates.
  const Played shed = play({.mobs = 100, .tick_budget = Nanos{1}, .clients = 2, .length = 4s});
  EXPECT_NEAR(shed.tick, 120, 1) << "6 s at 20 Hz: the simulation kept its pace";
  EXPECT_GE(shed.metrics.tick_overruns, 100u);
  EXPECT_GE(shed.metrics.ticks_shed, 100u);
  for (std::uint64_t loaded : shed.chunks_loaded) {
    EXPECT_GT(loaded, 0u) << "an overloaded server still streams";
    EXPECT_LE(loaded, 120u) << "one chunk a tick";
  }
  EXPECT_NE(shed.clients[0].find(R"("kind":"spawn")"), std::string::npos) << "entities flow";
  // Within budget nothing is shed.
  const Played calm =
      play({.mobs = 100, .tick_budget = std::chrono::seconds(10), .clients = 2, .length = 4s});
  EXPECT_EQ(calm.metrics.tick_overruns, 0u);
  EXPECT_EQ(calm.metrics.ticks_shed, 0u);
  for (std::size_t i = 0; i < calm.chunks_loaded.size(); ++i) {
    EXPECT_GT(calm.chunks_loaded[i], shed.chunks_loaded[i] + 50) << i;
  }
}

}  // namespace
}  // namespace theta_net::session
