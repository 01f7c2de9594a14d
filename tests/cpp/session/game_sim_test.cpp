// The reference game end to end: a server and clients over SimNet (virtual time) and over QUIC.
#include <gtest/gtest.h>

#include <memory>

#include "local_game.hpp"
#include "theta_net/sim/simulation.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
namespace bits = protocol::movebuttons_bits;
using testing::game;
using testing::rtt100;
using testing::run_for;

// Both clients build, each sees the other's blocks, and a sees b walk.
void build_and_watch(LocalSession& s) {
  run_for(s, 3000ms);
  for (std::size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(s.client(i).established()) << i;
    ASSERT_TRUE(s.client(i).has_player()) << i;
    EXPECT_GT(s.client(i).metrics().chunks_loaded, 20u);
  }
  PlayerIntent place;
  place.block = protocol::BlockAction{protocol::BlockActionKind::kPlace,
                                      {0, 3, 2},
                                      protocol::BlockFace::kUp,
                                      world::blocks::kPlanks};
  s.client(0).set_intent(place);
  run_for(s, 1500ms);
  EXPECT_EQ(s.server().world().chunks().block_at({0, 4, 2}), world::blocks::kPlanks);
  EXPECT_EQ(s.client(1).chunks().loaded_block({0, 4, 2}), world::blocks::kPlanks)
      << "b sees a's block";
  PlayerIntent dig;
  dig.block = protocol::BlockAction{
      protocol::BlockActionKind::kBreak, {0, 4, 2}, protocol::BlockFace::kUp, 0};
  s.client(1).set_intent(dig);
  run_for(s, 1500ms);
  EXPECT_EQ(s.client(0).chunks().loaded_block({0, 4, 2}), world::blocks::kAir)
      << "a sees b break it";

  PlayerIntent walk;
  walk.buttons = bits::kForward;
  s.client(1).set_intent(walk);
  double previous_z = -1;
  int moved_samples = 0;
  for (int i = 0; i < 40; ++i) {
    run_for(s, 50ms);
    const auto remote = s.client(0).remote_players(s.now());
    ASSERT_EQ(remote.size(), 1u);
    const double z = remote[0].view.position.z.to_double();
    if (previous_z >= 0) {
      EXPECT_GE(z, previous_z - 1e-9) << "interpolated motion never jumps back";
      EXPECT_LT(z - previous_z, 0.5) << "nor jumps ahead: 50 ms at 4.3 blocks/s is 0.22 blocks";
      moved_samples += z > previous_z ? 1 : 0;
    }
    previous_z = z;
  }
  EXPECT_GT(moved_samples, 30) << "a sees b move smoothly";
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(s.client(i).metrics().chunk_errors, 0u);
}

TEST(GameOverSimNet, TwoClientsBuildTogetherAndSeeEachOtherMove) {
  auto s = game(NetworkKind::kSim, rtt100());
  build_and_watch(*s);
  EXPECT_EQ(s->client(1).metrics().reconciliations, 0u)
      << "no loss and no interaction: no corrections";
}

TEST(GameOverQuic, TwoClientsBuildTogetherAndSeeEachOtherMove) {
  auto s = game(NetworkKind::kQuic, transport::LinkConfig{});
  build_and_watch(*s);
}

TEST(GameOverSimNet, LossAndJitterKeepTheReconciliationErrorSmall) {
  auto s = game(NetworkKind::kSim, rtt100(0.02, 10ms));
  run_for(*s, 3000ms);
  PlayerIntent walk;
  walk.buttons = bits::kForward | bits::kJump;
  for (int i = 0; i < 20; ++i) {
    walk.yaw = static_cast<std::uint16_t>(i * 3000);
    s->client(0).set_intent(walk);
    s->client(1).set_intent(walk);
    run_for(*s, 500ms);
  }
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_GT(s->client(i).metrics().own_states, 150u);
    EXPECT_LE(s->client(i).metrics().reconciliation_error_ms_mean(), 5.0)
        << "ours is <= 5 ms; the seeds asked for 30";
  }
}

TEST(GameOverSimNet, SettledClientsMatchTheServersStateHashes) {
  auto s = game(NetworkKind::kSim, rtt100(0.02, 10ms));
  run_for(*s, 3000ms);
  PlayerIntent place;
  place.block = protocol::BlockAction{protocol::BlockActionKind::kPlace,
                                      {1, 3, 2},
                                      protocol::BlockFace::kUp,
                                      world::blocks::kGlass};
  s->client(0).set_intent(place);
  PlayerIntent walk;
  walk.buttons = bits::kForward;
  s->client(1).set_intent(walk);
  run_for(*s, 2000ms);
  s->client(1).set_intent(PlayerIntent{});
  run_for(*s, 3000ms);  // traffic settles
  for (std::size_t i = 0; i < 2; ++i) {
    GameClient& c = s->client(i);
    const auto held = c.chunks().positions();
    EXPECT_GT(held.size(), 20u);
    EXPECT_EQ(sim::chunk_set_hash(c.chunks(), held),
              sim::chunk_set_hash(s->server().world().chunks(), held))
        << "client " << i << " holds the server's chunks";
    const sim::Player* server_view =
        s->server().world().simulation().player(static_cast<sim::PlayerId>(c.player_entity()));
    ASSERT_NE(server_view, nullptr);
    const auto predicted = c.predicted_at(s->server().world().tick());
    ASSERT_TRUE(predicted.has_value()) << "the client predicts ahead of the server";
    EXPECT_EQ(sim::player_hash(0, *predicted), sim::player_hash(0, server_view->state))
        << "client " << i;
  }
}

TEST(GameOverSimNet, ACutOffClientResumesItsSessionAndCatchesUp) {
  auto s = game(NetworkKind::kSim, rtt100());
  run_for(*s, 3000ms);
  const std::uint64_t session = s->client(0).session().session()->session_id;
  const replication::EntityId entity = s->client(0).player_entity();
  const auto before = s->client_stats(0);
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(s->cut_off(0, std::chrono::seconds(11)).ok());  // past the 10 s idle timeout
  PlayerIntent place;
  place.block = protocol::BlockAction{protocol::BlockActionKind::kPlace,
                                      {4, 3, 2},
                                      protocol::BlockFace::kUp,
                                      world::blocks::kCobblestone};
  s->client(1).set_intent(place);  // b builds while a is away
  std::uint64_t received = before->bytes_received, sent = before->bytes_sent;
  for (int step = 0; step < 160; ++step) {
    run_for(*s, 100ms);
    // Byte counters run across connections: present and never going back, also while a is cut
    // off and after it reconnects.
    const auto now = s->client_stats(0);
    ASSERT_TRUE(now.has_value()) << "at step " << step;
    ASSERT_GE(now->bytes_received, received) << "at step " << step;
    ASSERT_GE(now->bytes_sent, sent) << "at step " << step;
    received = now->bytes_received, sent = now->bytes_sent;
  }
  GameClient& a = s->client(0);
  ASSERT_TRUE(a.established());
  EXPECT_EQ(a.session().session()->session_id, session);
  EXPECT_TRUE(a.session().session()->resumed);
  EXPECT_EQ(a.player_entity(), entity) << "the same player, taken back";
  ASSERT_EQ(s->server().world().chunks().block_at({4, 4, 2}), world::blocks::kCobblestone);
  EXPECT_EQ(a.chunks().loaded_block({4, 4, 2}), world::blocks::kCobblestone)
      << "caught up with b's edit";
  EXPECT_EQ(s->server().world().simulation().players().size(), 2u);
  EXPECT_EQ(s->client_reconnects(0), 1u);
  const auto after = s->client_stats(0);
  ASSERT_TRUE(after.has_value());
  EXPECT_GT(after->bytes_received, before->bytes_received);
  EXPECT_GT(after->bytes_sent, before->bytes_sent);
  const std::size_t chunks = transport::lane_index(transport::Lane::kChunks);
  EXPECT_GE(after->lanes[chunks].bytes_received, before->lanes[chunks].bytes_received);
  EXPECT_GT(after->packets_received, before->packets_received);
}

}  // namespace
}  // namespace theta_net::session
