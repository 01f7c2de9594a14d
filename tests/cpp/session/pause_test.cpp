// A client whose driver stops for a long time (a debugger, a laptop lid, SIGSTOP) while the
// network and the server carry on: on waking it must not replay the gap in a burst, must notice
// at once that its connection is dead, resume its session, and keep its whole run's counters.
#include <gtest/gtest.h>

#include "local_game.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
using testing::game;
using testing::rtt100;
using testing::run_for;

TEST(PausedClient, ResumesWithinASecondOfWakingWithoutACorrectionBurst) {
  auto s = game(NetworkKind::kSim, rtt100());
  PlayerIntent walk;
  walk.buttons = protocol::movebuttons_bits::kForward;
  s->client(0).set_intent(walk);
  run_for(*s, 5s);
  GameClient& a = s->client(0);
  ASSERT_TRUE(a.established());
  const std::uint64_t session = a.session().session()->session_id;
  const replication::EntityId entity = a.player_entity();
  const ClientMetrics before = a.metrics();
  const auto stats_before = s->client_stats(0);
  ASSERT_TRUE(stats_before.has_value());

  ASSERT_TRUE(s->pause(0, 30s).ok());
  run_for(*s, 30s);  // the server times the session out after 10 s and keeps it for resuming
  ASSERT_EQ(s->server().world().simulation().players().size(), 2u) << "still resumable";
  const Micros woke = s->now();

  // The first step after waking: no burst of predicted ticks (600 were missed).
  run_for(*s, 5ms);
  EXPECT_LE(a.metrics().inputs_sent - before.inputs_sent, 2u);
  EXPECT_EQ(a.metrics().pauses, before.pauses + 1);
  EXPECT_EQ(s->client_driver(0).counters().pauses, 1u);

  std::optional<Micros> rejoined;
  while (s->now() < woke + 3s) {
    run_for(*s, 5ms);
    if (!rejoined && a.established() && a.has_player()) rejoined = s->now();
  }
  ASSERT_TRUE(rejoined.has_value()) << "never rejoined";
  EXPECT_LE(*rejoined - woke, 1s) << "rejoined " << to_seconds(*rejoined - woke) << " s after";
  EXPECT_TRUE(a.session().session()->resumed);
  EXPECT_EQ(a.session().session()->session_id, session);
  EXPECT_EQ(a.player_entity(), entity) << "the same player, taken back";
  EXPECT_EQ(a.metrics().resumes, before.resumes + 1);
  // The prediction re-synced from the server's state instead of correcting against the past.
  EXPECT_EQ(a.metrics().reconciliations, before.reconciliations);
  // Three seconds after waking it predicts at the tick rate again, not 600 ticks at once.
  EXPECT_LE(a.metrics().inputs_sent - before.inputs_sent, 3u * 20u + 10u);
  EXPECT_GE(a.metrics().inputs_sent - before.inputs_sent, 2u * 20u);
  // Counters cover the whole run, across both connections.
  const auto stats_after = s->client_stats(0);
  ASSERT_TRUE(stats_after.has_value());
  EXPECT_GT(stats_after->bytes_received, stats_before->bytes_received);
  EXPECT_GT(stats_after->bytes_sent, stats_before->bytes_sent);
  EXPECT_EQ(a.metrics().connections, before.connections + 1);
  EXPECT_GT(a.metrics().chunks_loaded, before.chunks_loaded);  // the new connection refills
  // The other client never noticed.
  EXPECT_EQ(s->client_driver(1).counters().pauses, 0u);
  EXPECT_EQ(s->client(1).metrics().connections, 1u);
}

TEST(PausedClient, AShortStallIsAPauseButKeepsTheConnection) {
  auto s = game(NetworkKind::kSim, rtt100());
  run_for(*s, 4s);
  GameClient& a = s->client(0);
  const ClientMetrics before = a.metrics();
  ASSERT_TRUE(s->pause(0, 2s).ok());  // shorter than the 10 s idle timeout
  run_for(*s, 2s + 500ms);
  EXPECT_TRUE(a.established());
  EXPECT_EQ(a.metrics().connections, before.connections) << "no reconnection needed";
  EXPECT_EQ(a.metrics().pauses, before.pauses + 1);
  EXPECT_EQ(s->client_driver(0).counters().abandoned, 0u);
  EXPECT_EQ(a.metrics().reconciliations, before.reconciliations);
}

}  // namespace
}  // namespace theta_net::session
