// The reference game end to end over SimNet: a server and clients in virtual time.
#include <gtest/gtest.h>

#include <memory>

#include "theta_net/session/game_client.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
namespace bits = protocol::movebuttons_bits;

Ed25519KeyPair key(std::uint64_t seed) {
  Rng rng(seed);
  return Ed25519KeyPair::from_rng(rng);
}

struct Game {
  explicit Game(transport::LinkConfig link, std::size_t clients = 2)
      : net(5), server_endpoint(net.add_endpoint("server")) {
    GameServerConfig config;
    config.world.terrain =
        world::TerrainGenerator({7, world::TerrainKind::kSuperflat, 62}).filler();
    config.chunks.view_radius = 2;
    server = std::make_unique<GameServer>(server_endpoint, config, key(1), Rng(2));
    for (std::size_t i = 0; i < clients; ++i) {
      transport::SimEndpoint& e = net.add_endpoint("client" + std::to_string(i));
      net.set_links(server_endpoint, e, link);
      e.connect(server_endpoint);
      endpoints.push_back(&e);
      GameClientConfig cc;
      cc.name = std::string(1, static_cast<char>('a' + i));
      players.push_back(std::make_unique<GameClient>(e, cc, key(10 + i), Rng(20 + i)));
    }
  }
  void run(std::chrono::milliseconds duration) {
    for (auto t = 0ms; t < duration; t += 5ms) {
      net.advance_by(5ms);
      now_us = static_cast<std::uint64_t>(net.now().count() / 1000);
      server->step(now_us);
      for (auto& p : players) p->step(now_us);
    }
  }
  transport::SimNet net;
  transport::SimEndpoint& server_endpoint;
  std::unique_ptr<GameServer> server;
  std::vector<transport::SimEndpoint*> endpoints;
  std::vector<std::unique_ptr<GameClient>> players;
  std::uint64_t now_us = 0;
};

transport::LinkConfig rtt100() {
  transport::LinkConfig link;
  link.latency = 50ms;
  return link;
}

TEST(GameOverSimNet, ClientsJoinGetChunksAndPredictWithoutCorrections) {
  Game game(rtt100());
  game.run(3000ms);
  for (auto& p : game.players) {
    ASSERT_TRUE(p->established());
    ASSERT_TRUE(p->has_player());
    EXPECT_GT(p->metrics().chunks_loaded, 20u);
  }
  EXPECT_EQ(game.server->world().simulation().players().size(), 2u);
  PlayerIntent walk;
  walk.buttons = bits::kForward;
  walk.yaw = 0;
  game.players[0]->set_intent(walk);
  game.run(3000ms);
  const auto& a = *game.players[0];
  EXPECT_GT(a.predicted().position.z, Fx::from_int(5));
  EXPECT_EQ(a.metrics().reconciliations, 0u) << "no loss, no interaction: no corrections";
  EXPECT_GT(a.metrics().own_states, 50u);
  // The server agrees on where a is.
  const auto* server_a = game.server->world().simulation().player(1);
  ASSERT_NE(server_a, nullptr);
  EXPECT_NEAR(server_a->state.position.z.to_double(), a.predicted().position.z.to_double(), 1.0);
  // b sees a, interpolated.
  const auto remote = game.players[1]->remote_players(game.now_us);
  ASSERT_EQ(remote.size(), 1u);
  EXPECT_TRUE(remote[0].view.valid);
  EXPECT_NEAR(remote[0].view.position.z.to_double(), server_a->state.position.z.to_double(), 1.5);
}

TEST(GameOverSimNet, BlocksPlacedByOneClientReachTheOther) {
  Game game(rtt100());
  game.run(3000ms);
  ASSERT_TRUE(game.players[0]->has_player());
  // a places planks on the grass two blocks ahead (superflat: grass at y = 3).
  PlayerIntent place;
  place.block = protocol::BlockAction{protocol::BlockActionKind::kPlace,
                                      {0, 3, 2},
                                      protocol::BlockFace::kUp,
                                      world::blocks::kPlanks};
  game.players[0]->set_intent(place);
  game.run(1000ms);
  EXPECT_EQ(game.server->world().chunks().block_at({0, 4, 2}), world::blocks::kPlanks);
  EXPECT_EQ(game.players[1]->chunks().loaded_block({0, 4, 2}), world::blocks::kPlanks);
  // b breaks it; a sees the air.
  PlayerIntent dig;
  dig.block = protocol::BlockAction{
      protocol::BlockActionKind::kBreak, {0, 4, 2}, protocol::BlockFace::kUp, 0};
  game.players[1]->set_intent(dig);
  game.run(1000ms);
  EXPECT_EQ(game.players[0]->chunks().loaded_block({0, 4, 2}), world::blocks::kAir);
  EXPECT_EQ(game.players[0]->metrics().chunk_errors, 0u);
  EXPECT_EQ(game.players[1]->metrics().chunk_errors, 0u);
}

}  // namespace
}  // namespace theta_net::session

namespace theta_net::session {
namespace {

TEST(GameOverSimNet, LossAndJitterKeepReconciliationErrorSmall) {
  transport::LinkConfig link = rtt100();
  link.jitter = 10ms;  // +-10 ms each way: 20 ms of jitter over the round trip
  link.loss = 0.02;
  Game game(link);
  game.run(3000ms);
  PlayerIntent walk;
  walk.buttons = bits::kForward | bits::kJump;
  for (int i = 0; i < 20; ++i) {
    walk.yaw = static_cast<std::uint16_t>(i * 3000);
    game.players[0]->set_intent(walk);
    game.players[1]->set_intent(walk);
    game.run(500ms);
  }
  for (auto& p : game.players) {
    const auto& m = p->metrics();
    const double mean_ms = m.own_states ? m.error_ms_sum / m.own_states : 0;
    std::printf(
        "client: own_states %llu reconciliations %llu replayed %llu mean error %.3f ms max %.3f "
        "blocks\n",
        static_cast<unsigned long long>(m.own_states),
        static_cast<unsigned long long>(m.reconciliations),
        static_cast<unsigned long long>(m.ticks_replayed), mean_ms, m.error_blocks_max);
    EXPECT_LE(mean_ms, 30.0);
  }
  for (const auto& m : game.server->client_metrics()) {
    std::printf("server: %s applied %llu starved %llu late %llu dup %llu chunks %llu\n",
                m.name.c_str(), static_cast<unsigned long long>(m.inputs.applied),
                static_cast<unsigned long long>(m.inputs.starved),
                static_cast<unsigned long long>(m.inputs.late),
                static_cast<unsigned long long>(m.inputs.duplicates),
                static_cast<unsigned long long>(m.chunks_sent));
  }
}

}  // namespace
}  // namespace theta_net::session
