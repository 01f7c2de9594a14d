// The reference game's data layer end to end over SimNet: the server keeps the players table from
// the simulation, every client's ClientDB mirrors it, a client's write reaches the server and the
// others, writes to the server's own table are refused, a client that was cut off or paused
// catches up, and a game with data writes replays byte for byte from its input log.
#include "theta_net/session/game_data.hpp"

#include <gtest/gtest.h>

#include "local_game.hpp"
#include "theta_net/replay/event_reader.hpp"
#include "theta_net/session/replay_runner.hpp"
#include "theta_net/world/block.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
using testing::game;
using testing::rtt100;
using testing::run_for;

// The value of a field of an entity in a store, or nullopt when it lacks the entity or component.
std::optional<data::Value> field_of(const data::Store& store, std::string_view table,
                                    data::EntityId id, std::string_view component,
                                    std::string_view field) {
  const int t = store.schema().table_index(table);
  if (t < 0) return std::nullopt;
  const data::Table& rows = store.table(static_cast<std::size_t>(t));
  const data::TableSpec& spec = rows.spec();
  const int k = spec.component_index(component);
  const auto row = rows.find(id);
  if (k < 0 || !row || !rows.has(*row, static_cast<std::size_t>(k))) return std::nullopt;
  const int f = spec.components[static_cast<std::size_t>(k)].field_index(field);
  return rows.get(*row, static_cast<std::size_t>(k), static_cast<std::size_t>(f));
}

const data::Store& server_store(LocalSession& s) {
  return s.server().world().data().host().store();
}

// Whether every client's mirror holds exactly the server's store (content and version).
bool converged(LocalSession& s) {
  const Bytes server = server_store(s).canonical_bytes();
  for (std::size_t i = 0; i < s.client_count(); ++i) {
    if (s.client(i).data().view().canonical_bytes() != server) return false;
  }
  return true;
}

data::Transaction marker(GameClient& c, data::EntityId id, const std::string& label,
                         std::int64_t x_sixteenths) {
  data::Transaction tx(c.data().view().schema_ptr());
  EXPECT_TRUE(tx.set("markers", id, "marker", "label", label).ok());
  EXPECT_TRUE(tx.set("markers", id, "marker", "x", x_sixteenths).ok());
  EXPECT_TRUE(tx.set("markers", id, "marker", "colour", std::int64_t{2}).ok());
  return tx;
}

TEST(GameData, ThePlayersTableReachesEveryClient) {
  auto s = game(NetworkKind::kSim, rtt100(), false, 3);
  run_for(*s, 3s);
  for (std::size_t i = 0; i < s->client_count(); ++i) {
    SCOPED_TRACE(s->client_name(i));
    EXPECT_EQ(s->client(i).data().status().state, data::SyncState::kReady);
    for (const auto& [id, player] : s->server().world().simulation().players()) {
      EXPECT_EQ(field_of(s->client(i).data().view(), "players", id, "status", "name"),
                data::Value(player.name));
      EXPECT_EQ(field_of(s->client(i).data().view(), "players", id, "status", "health"),
                data::Value(std::int64_t{20}));
    }
  }
  EXPECT_TRUE(converged(*s));
  EXPECT_GE(server_store(*s).version(), 1u);
}

TEST(GameData, BlockEditsCountInThePlayersRow) {
  auto s = game(NetworkKind::kSim, rtt100());
  run_for(*s, 2s);
  PlayerIntent place;
  place.block = protocol::BlockAction{protocol::BlockActionKind::kPlace,
                                      {0, 3, 2},
                                      protocol::BlockFace::kUp,
                                      world::blocks::kPlanks};
  s->client(0).set_intent(place);
  run_for(*s, 2s);
  const replication::EntityId a = s->client(0).player_entity();
  EXPECT_EQ(field_of(server_store(*s), "players", a, "status", "blocks_placed"),
            data::Value(std::int64_t{1}));
  EXPECT_EQ(field_of(s->client(1).data().view(), "players", a, "status", "blocks_placed"),
            data::Value(std::int64_t{1}));
}

TEST(GameData, AClientWriteLandsOnTheServerAndInEveryOtherClient) {
  auto s = game(NetworkKind::kSim, rtt100(), false, 3);
  run_for(*s, 3s);
  GameClient& a = s->client(0);
  ASSERT_TRUE(a.data().write(marker(a, 7, "home", 24)).ok());
  // Optimistic: the writer sees it at once.
  EXPECT_EQ(field_of(a.data().view(), "markers", 7, "marker", "label"), data::Value("home"));
  run_for(*s, 1s);
  EXPECT_EQ(field_of(server_store(*s), "markers", 7, "marker", "x"), data::Value(std::int64_t{24}));
  for (std::size_t i = 1; i < s->client_count(); ++i) {
    EXPECT_EQ(field_of(s->client(i).data().view(), "markers", 7, "marker", "label"),
              data::Value("home"));
  }
  EXPECT_EQ(a.data().pending_writes(), 0u) << "confirmed";
  EXPECT_TRUE(converged(*s));
}

TEST(GameData, WritesToThePlayersTableAreRefusedAndRolledBack) {
  auto s = game(NetworkKind::kSim, rtt100());
  run_for(*s, 3s);
  GameClient& a = s->client(0);
  const data::EntityId me = a.player_entity();
  data::Transaction cheat(a.data().view().schema_ptr());
  ASSERT_TRUE(cheat.set("players", me, "status", "health", std::int64_t{999}).ok());
  ASSERT_TRUE(a.data().write(cheat).ok());
  run_for(*s, 1s);
  const auto refused = a.data().take_refused_writes();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(refused[0].second.find("not_allowed"), std::string::npos) << refused[0].second;
  EXPECT_NE(refused[0].second.find("'players'"), std::string::npos) << refused[0].second;
  EXPECT_EQ(field_of(a.data().view(), "players", me, "status", "health"),
            data::Value(std::int64_t{20}));
  EXPECT_TRUE(a.established()) << "a refusal, not a protocol violation";
  EXPECT_TRUE(converged(*s));
}

TEST(GameData, ACutOffClientCatchesUpWithWhatWasWrittenMeanwhile) {
  auto s = game(NetworkKind::kSim, rtt100(), false, 3);
  run_for(*s, 3s);
  ASSERT_TRUE(s->cut_off(2, 11s).ok());  // past the idle timeout: it loses the connection
  run_for(*s, 1s);
  GameClient& a = s->client(0);
  for (data::EntityId id = 1; id <= 5; ++id) {
    ASSERT_TRUE(a.data().write(marker(a, id, "m" + std::to_string(id), 16 * id)).ok());
    run_for(*s, 500ms);
  }
  EXPECT_FALSE(converged(*s)) << "c cannot have these yet";
  run_for(*s, 15s);
  EXPECT_GE(s->client(2).metrics().resumes, 1u);
  EXPECT_EQ(s->client(2).data().status().state, data::SyncState::kReady);
  EXPECT_EQ(field_of(s->client(2).data().view(), "markers", 5, "marker", "label"),
            data::Value("m5"));
  EXPECT_TRUE(converged(*s));
  // It came back with the version it held and got the batches it missed, not a new snapshot.
  const data::DataHost& host = s->server().world().data().host();
  std::uint64_t archive_syncs = 0;
  for (data::DataHost::ClientId id : host.clients()) archive_syncs += host.stats(id)->syncs_archive;
  EXPECT_EQ(archive_syncs, 1u);
}

TEST(GameData, APausedClientCatchesUpWhenItWakes) {
  auto s = game(NetworkKind::kSim, rtt100());
  run_for(*s, 3s);
  ASSERT_TRUE(s->pause(1, 2s).ok());  // the connection survives a short pause
  GameClient& a = s->client(0);
  ASSERT_TRUE(a.data().write(marker(a, 9, "while b slept", 0)).ok());
  run_for(*s, 2s + 500ms);
  EXPECT_EQ(field_of(s->client(1).data().view(), "markers", 9, "marker", "label"),
            data::Value("while b slept"));
  EXPECT_TRUE(converged(*s));
}

TEST(GameData, LostBatchesAreAskedForAndFilledWithoutANewSync) {
  auto s = game(NetworkKind::kSim, rtt100(), false, 2);
  run_for(*s, 3s);
  data::DataHost& host = s->server().world().data().host();
  // The next two batches to each client vanish on the way (docs/data.md, "Gaps").
  for (data::DataHost::ClientId id : host.clients()) host.lose_batches_for_testing(id, 2);
  GameClient& a = s->client(0);
  for (data::EntityId id = 1; id <= 4; ++id) {
    ASSERT_TRUE(a.data().write(marker(a, id, "m" + std::to_string(id), 16 * id)).ok());
    run_for(*s, 500ms);
  }
  run_for(*s, 2s);
  EXPECT_TRUE(converged(*s));
  std::uint64_t answered = 0;
  for (data::DataHost::ClientId id : host.clients()) {
    answered += host.stats(id)->nacks_answered;
    EXPECT_EQ(host.stats(id)->syncs_full, 1u) << "no second sync";
    EXPECT_EQ(host.stats(id)->nack_resyncs, 0u);
  }
  EXPECT_EQ(answered, 2u);
  for (std::size_t i = 0; i < s->client_count(); ++i) {
    SCOPED_TRACE(s->client_name(i));
    EXPECT_EQ(s->client(i).data().nacks_sent(), 1u);
    EXPECT_EQ(s->client(i).data().gaps_filled(), 1u);
    EXPECT_EQ(s->client(i).data().status().state, data::SyncState::kReady);
    EXPECT_TRUE(s->client(i).established()) << "a NackRequest is not a protocol violation";
  }
  EXPECT_EQ(a.data().pending_writes(), 0u);
}

TEST(GameData, AGameWithDataWritesReplaysByteForByte) {
  LocalSessionConfig config;
  config.server.world.terrain =
      world::TerrainGenerator({7, world::TerrainKind::kSuperflat, 62}).filler();
  config.server.chunks.view_radius = 2;
  const auto header = [](const std::string& role) {
    auto h = replay::StreamHeader::for_this_build("data", 7, 20, role);
    h.extra = world_header_extra("superflat", 20);
    return h;
  };
  auto events = replay::EventWriter::to_memory(header("server"));
  auto inputs = replay::EventWriter::to_memory(header("inputs"));
  ASSERT_TRUE(events.ok() && inputs.ok());
  auto s = LocalSession::create(config, &*events, &*inputs);
  ASSERT_TRUE(s.ok());
  for (const char* name : {"a", "b"}) {
    LocalClientSpec spec;
    spec.name = name;
    spec.link = rtt100();
    ASSERT_TRUE((*s)->add_client(spec).ok());
  }
  run_for(**s, 3s);
  GameClient& a = (*s)->client(0);
  ASSERT_TRUE(a.data().write(marker(a, 3, "here", 40)).ok());
  run_for(**s, 1s);
  data::Transaction remove(a.data().view().schema_ptr());
  ASSERT_TRUE(remove.remove_entity("markers", 3).ok());
  ASSERT_TRUE(a.data().write(remove).ok());
  run_for(**s, 1s);
  (*s)->server().world().finish();
  const std::string server_stream = events->take();
  const std::string input_log = inputs->take();
  EXPECT_NE(input_log.find("\"kind\":\"data_write\""), std::string::npos);
  EXPECT_NE(server_stream.find("\"kind\":\"data_batch\""), std::string::npos);

  auto reader = replay::EventReader::from_memory("inputs.jsonl", input_log);
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  auto replayed = replay::EventWriter::to_memory(header("server"));
  ASSERT_TRUE(replayed.ok());
  auto summary = replay_input_log(*reader, *replayed);
  ASSERT_TRUE(summary.ok()) << summary.error().describe();
  EXPECT_EQ(replayed->take(), server_stream);
}

TEST(GameData, UserTablesAreAppendedAndAClashIsRefusedByName) {
  auto user = data::DataSchema::from_toml(R"([schema]
name = "board"
version = "1.0"
[[table]]
name = "notes"
[[table.component]]
name = "note"
fields = [{ name = "text", type = "string", max = 40 }]
)");
  ASSERT_TRUE(user.ok()) << user.error().describe();
  auto composed = compose_game_schema(*user);
  ASSERT_TRUE(composed.ok()) << composed.error().describe();
  EXPECT_EQ((*composed)->table_index("players"), 0);
  EXPECT_EQ((*composed)->table_index("markers"), 1);
  EXPECT_EQ((*composed)->table_index("notes"), 2);
  EXPECT_EQ((*composed)->name(), "board");

  auto clash = data::DataSchema::from_toml(R"([schema]
name = "mine"
version = "1.0"
[[table]]
name = "markers"
[[table.component]]
name = "pin"
fields = [{ name = "n", type = "int", min = 0, max = 9 }]
)");
  ASSERT_TRUE(clash.ok()) << clash.error().describe();
  auto refused = compose_game_schema(*clash);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("'markers'"), std::string::npos);
  EXPECT_NE(refused.error().message.find("'mine'"), std::string::npos);
}

TEST(GameData, HexTextOfBytesRoundTripsAndBadTextIsRefused) {
  const Bytes bytes = {0x00, 0x7f, 0xa5, 0xff};
  EXPECT_EQ(bytes_to_hex(bytes), "007fa5ff");
  auto back = hex_to_bytes("007FA5ff");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bytes);
  EXPECT_EQ(hex_to_bytes("abc").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(hex_to_bytes("zz").error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace theta_net::session
