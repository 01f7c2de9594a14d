// The arena (examples/arena), the second game on theta_net's public API: its rules, whole
// matches over SimNet (deterministic, with latency and loss) and over QUIC on loopback, and
// matches played again from their input logs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "arena_match.hpp"
#include "arena_replay.hpp"

namespace arena {
namespace {

using theta_net::Fx;

// A folder of its own: the Release and sanitizer trees may run these tests at the same time.
std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("theta_arena_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ArenaRules, TheDirectionTableIsExactOnTheAxesAndUnitEverywhere) {
  EXPECT_EQ(direction(0)[0], Fx::from_int(1));
  EXPECT_EQ(direction(0)[1], Fx{});
  EXPECT_EQ(direction(1024)[0], Fx{});
  EXPECT_EQ(direction(1024)[1], Fx::from_int(1));
  EXPECT_EQ(direction(2048)[0], -Fx::from_int(1));
  EXPECT_EQ(direction(3072)[1], -Fx::from_int(1));
  for (std::int64_t a = 0; a < 4096; a += 7) {
    const auto [c, s] = direction(a);
    const std::int64_t norm = (c * c + s * s).raw();
    EXPECT_NEAR(static_cast<double>(norm), 65536.0, 4.0) << "aim " << a;
  }
  // 45 degrees: cos = sin = 0.70710678 (46341 / 65536 rounded down to 46340).
  EXPECT_NEAR(direction(512)[0].to_double(), 0.70710678, 2e-5);
  EXPECT_EQ(direction(512)[0], direction(512)[1]);
}

TEST(ArenaRules, PlayersStopAtWallsAndSlideAlongPillars) {
  Body b{Fx::from_int(23), Fx{}, Fx{}, Fx{}};
  Input right;
  right.move_x = Fx::from_int(1);
  for (int t = 0; t < 60; ++t) step_body(b, right, 60);
  EXPECT_EQ(b.x, kHalfSize - kPlayerRadius);
  EXPECT_EQ(b.vx, Fx{});
  // Into the pillar at (8, 8) from the left, moving right and up: stopped on x while beside it,
  // still moving up (half a second: not yet past its top edge at 10.4).
  Body p{Fx::from_int(4), Fx::from_int(8), Fx{}, Fx{}};
  Input diagonal;
  diagonal.move_x = Fx::from_int(1);
  diagonal.move_y = Fx::from_ratio(1, 2);
  for (int t = 0; t < 30; ++t) step_body(p, diagonal, 60);
  EXPECT_EQ(p.x, Fx::from_int(6) - kPlayerRadius);
  EXPECT_GT(p.y, Fx::from_int(9));
  EXPECT_LT(p.y, Fx::from_ratio(104, 10));
}

TEST(ArenaRules, InputsRoundTripThroughTheirSchemaCodes) {
  Input in;
  in.move_x = Fx::from_ratio(-1, 2);
  in.move_y = Fx::from_ratio(3, 4);
  in.aim = 1234;
  in.fire = true;
  in.view_lag = 77;
  const auto codes = codes_from_input(in);
  EXPECT_TRUE(input_schema().type().check_codes(codes).ok());
  EXPECT_EQ(input_from_codes(codes), in);
}

MatchConfig lossy(std::uint32_t tick_rate) {
  MatchConfig c;
  c.players = 4;
  c.tick_rate = tick_rate;
  c.duration = std::chrono::seconds(20);
  c.link.latency = std::chrono::milliseconds(50);  // 100 ms round trip
  c.link.loss = 0.02;
  c.hash_interval = tick_rate;
  return c;
}

TEST(ArenaMatch, FourBotsPlayOverALossySimNetAndTheirPredictionHolds) {
  auto match = Match::create(lossy(60));
  ASSERT_TRUE(match.ok()) << match.error().describe();
  (*match)->run();
  const MatchReport r = (*match)->report();
  EXPECT_EQ(r.server.joins, 4u);
  EXPECT_EQ(r.server.bundles_refused, 0u);
  EXPECT_GT(r.server.shots, 20u);
  EXPECT_GT(r.server.hits, 0u);
  EXPECT_GT(r.packets_dropped, 0u);
  for (const PlayerReport& p : r.players) {
    EXPECT_EQ(p.client.connections, 1u) << p.name;
    EXPECT_GT(p.client.states, 60u * 15) << p.name;  // a state every tick, less the loss
    EXPECT_GT(p.client.deltas, 200u) << p.name;
    // The bundles are coded against the acknowledged input nearly always.
    EXPECT_LT(p.sender.against_default, p.sender.bundles / 20 + 2) << p.name;
  }
  // The step is exact: within a life, a correction comes only from an input that reached the
  // server too late, so the mean error stays far below a block. Respawns are counted apart.
  EXPECT_LT(r.mean_error(), 0.1) << r.to_json();
  std::uint64_t respawns = 0;
  for (const PlayerReport& p : r.players) respawns += p.client.respawns;
  // Each kill is seen as a respawn but for the last ones (their state still in flight at the end)
  // and a player killed twice between two states that arrived.
  EXPECT_GT(respawns, 0u);
  EXPECT_LE(respawns, r.server.kills);
  EXPECT_GE(respawns + 2 * r.players.size(), r.server.kills) << r.to_json();
}

TEST(ArenaMatch, TheSameSeedPlaysTheSameMatchByteForByte) {
  // Its own folder: the Release and sanitizer trees may run this test at the same time.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("theta_arena_determinism_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string reports[2], streams[2];
  for (int run = 0; run < 2; ++run) {
    MatchConfig c = lossy(30);
    c.duration = std::chrono::seconds(8);
    c.events_path = (dir / ("server" + std::to_string(run) + ".jsonl")).string();
    auto match = Match::create(c);
    ASSERT_TRUE(match.ok()) << match.error().describe();
    (*match)->run();
    reports[run] = (*match)->report().to_json();
    match->reset();  // closes the stream
    streams[run] = read_file(c.events_path);
  }
  EXPECT_EQ(reports[0], reports[1]);
  EXPECT_EQ(streams[0], streams[1]);
  EXPECT_NE(streams[0].find("\"kind\":\"shot\""), std::string::npos);
  EXPECT_NE(streams[0].find("\"kind\":\"state\""), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ArenaMatch, NinetyHertzWithEightPlayers) {
  MatchConfig c = lossy(90);
  c.players = 8;
  c.duration = std::chrono::seconds(6);
  auto match = Match::create(c);
  ASSERT_TRUE(match.ok()) << match.error().describe();
  (*match)->run();
  const MatchReport r = (*match)->report();
  EXPECT_EQ(r.server.joins, 8u);
  EXPECT_EQ(r.server.bundles_refused, 0u);
  EXPECT_GE(r.server.ticks, 90u * 6 - 2);
  for (const PlayerReport& p : r.players) EXPECT_GT(p.client.states, 300u) << p.name;
}

TEST(ArenaMatch, TwoBotsPlayOverQuicOnLoopback) {
  MatchConfig c;
  c.network = theta_net::session::NetworkKind::kQuic;
  c.players = 2;
  c.duration = std::chrono::seconds(3);
  auto match = Match::create(c);
  ASSERT_TRUE(match.ok()) << match.error().describe();
  (*match)->run();
  const MatchReport r = (*match)->report();
  EXPECT_EQ(r.server.joins, 2u);
  EXPECT_EQ(r.server.bundles_refused, 0u);
  for (const PlayerReport& p : r.players) {
    EXPECT_GT(p.client.states, 60u) << p.name;
    EXPECT_GT(p.client.deltas, 20u) << p.name;
  }
}

// Plays `c` writing both streams into `dir`, replays the input log, and expects the replayed
// stream to be the match's byte for byte.
void expect_replay_matches(MatchConfig c, const std::filesystem::path& dir) {
  c.events_path = (dir / "server.jsonl").string();
  c.inputs_path = (dir / "inputs.jsonl").string();
  auto match = Match::create(c);
  ASSERT_TRUE(match.ok()) << match.error().describe();
  (*match)->run();
  ASSERT_TRUE((*match)->finish().ok());
  const MatchReport live = (*match)->report();
  const auto replayed = replay_match(c.inputs_path, (dir / "replayed.jsonl").string());
  ASSERT_TRUE(replayed.ok()) << replayed.error().describe();
  EXPECT_TRUE(replayed->log.ended);
  EXPECT_EQ(replayed->log.ticks, live.server.ticks);
  EXPECT_EQ(replayed->world.shots, live.server.shots);
  EXPECT_EQ(replayed->world.kills, live.server.kills);
  EXPECT_EQ(replayed->state_digest, live.state_digest);
  const std::string stream = read_file(c.events_path);
  EXPECT_EQ(read_file(dir / "replayed.jsonl"), stream);
  EXPECT_NE(stream.find("\"kind\":\"shot\""), std::string::npos);
}

TEST(ArenaReplay, ALossyMatchReplaysFromItsInputLogByteForByte) {
  const auto dir = scratch("replay_sim");
  MatchConfig c = lossy(30);
  c.duration = std::chrono::seconds(10);
  expect_replay_matches(c, dir);
  std::filesystem::remove_all(dir);
}

TEST(ArenaReplay, AMatchOverQuicReplaysFromItsInputLogByteForByte) {
  // Over real sockets the match itself is not the same twice; its log replays into its stream.
  const auto dir = scratch("replay_quic");
  MatchConfig c;
  c.network = theta_net::session::NetworkKind::kQuic;
  c.players = 2;
  c.duration = std::chrono::seconds(3);
  c.hash_interval = 30;
  expect_replay_matches(c, dir);
  std::filesystem::remove_all(dir);
}

TEST(ArenaReplay, ALogThatIsNotTheArenasIsRefusedNamingWhy) {
  const auto dir = scratch("replay_refused");
  const auto other =
      theta_net::netcode::InputSchema::make(
          "arena.Input", {{theta_net::replication::FieldDescriptor::boolean("fire")}})
          .value();
  auto header = theta_net::replay::StreamHeader::for_this_build("x", 1, 60, "inputs");
  header.extra = world_header_extra(resolved(WorldConfig{}));
  {
    auto log =
        theta_net::netcode::InputLogWriter::open((dir / "other.jsonl").string(), other, header)
            .value();
    ASSERT_TRUE(log.end(1).ok());
  }
  const auto refused = replay_match((dir / "other.jsonl").string(), (dir / "out.jsonl").string());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, theta_net::ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("written for the input schema 'arena.Input'"),
            std::string::npos)
      << refused.error().message;

  // The arena's own schema, but a header without what the World needs.
  header.extra.clear();
  {
    auto log = theta_net::netcode::InputLogWriter::open((dir / "bare.jsonl").string(),
                                                        input_schema(), header)
                   .value();
    ASSERT_TRUE(log.end(1).ok());
  }
  const auto bare = replay_match((dir / "bare.jsonl").string(), (dir / "out.jsonl").string());
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.error().message.find("'hash_interval'"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace arena
