// Signed commands in the reference game (ServerWorldConfig::signed_commands): editors' writes go
// as signed commands, concurrent ones are settled by the schema's strategies (lww, a counter
// merge, server) and recorded in the event stream, a viewer's write is refused and recorded and
// never applied, every mirror ends equal to the server's store, and the input log replays into
// the same stream byte for byte without keys or sessions.
#include <gtest/gtest.h>

#include "recorded_game.hpp"
#include "theta_net/session/local_session.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDocs = R"(
[schema]
name = "docs"
version = "1.0"

[[table]]
name = "docs"
conflict = "lww"

[[table.component]]
name = "meta"
fields = [
  { name = "title", type = "string", max = 64 },
  { name = "votes", type = "int", min = 0, max = 1000, conflict = "merge:counter" },
  { name = "owner", type = "string", max = 64, conflict = "server" },
]
)";

class SignedCommandsInTheGame : public ::testing::Test {
 protected:
  void SetUp() override {
    auto user = data::DataSchema::from_toml(kDocs);
    ASSERT_TRUE(user.ok()) << user.error().describe();
    auto composed = compose_game_schema(*user);
    ASSERT_TRUE(composed.ok()) << composed.error().describe();
    auto header = replay::StreamHeader::for_this_build("signed_game_test", 9, 20, "server");
    header.extra = world_header_extra("superflat", 20, {}, user->get());
    ASSERT_TRUE(streams_.open("theta_signed_game_", header));

    LocalSessionConfig config;
    config.seed = 9;
    config.server.world.terrain =
        world::TerrainGenerator({9, world::TerrainKind::kSuperflat, 62}).filler();
    config.server.world.data_schema = *composed;
    config.server.world.signed_commands = true;
    config.server.chunks.view_radius = 1;
    config.server.sessions.handshake.tokens = {{"ann", protocol::Role::kEditor},
                                               {"ben", protocol::Role::kEditor},
                                               {"vic", protocol::Role::kViewer}};
    auto created = LocalSession::create(config, streams_.events(), streams_.inputs());
    ASSERT_TRUE(created.ok()) << created.error().describe();
    s_ = std::move(*created);
    for (const char* token : {"ann", "ben", "vic"}) {
      LocalClientSpec spec;
      spec.name = token;
      spec.token = token;
      spec.link.latency = 40ms;
      spec.link.loss = 0.05;
      ASSERT_TRUE(s_->add_client(spec).ok());
    }
    s_->run_until(2500ms);
    for (std::size_t i = 0; i < 3; ++i) {
      ASSERT_EQ(s_->client(i).data().status().state, data::SyncState::kReady) << i;
    }
  }
  std::string finish() { return streams_.finish(s_->server()); }
  std::string replayed() const { return streams_.replayed(); }
  // A write of docs[1].meta through a client's mirror.
  Status write(std::size_t client, const std::string& field, data::Value value) {
    GameClient& c = s_->client(client);
    data::Transaction tx(c.data().view().schema_ptr());
    THETA_TRY(tx.set("docs", 1, "meta", field, std::move(value)));
    return c.data().write(tx).ok() ? Status{} : make_error(ErrorCode::kState, "not written");
  }
  const data::Store& server_store() { return s_->server().world().data().host().store(); }
  std::optional<data::Value> server_field(const std::string& field) {
    const data::Store& store = server_store();
    const auto table = static_cast<std::size_t>(store.schema().table_index("docs"));
    const data::Table& docs = store.table(table);
    const auto row = docs.find(1);
    if (!row) return std::nullopt;
    const data::TableSpec& spec = store.schema().table(table);
    const auto component = static_cast<std::uint16_t>(spec.component_index("meta"));
    const auto index = static_cast<std::uint16_t>(spec.components[component].field_index(field));
    return docs.get(*row, component, index);
  }

  testing::RecordedStreams streams_;  // outlives the session, which writes to it
  std::unique_ptr<LocalSession> s_;
};

TEST_F(SignedCommandsInTheGame, EditorsSignAViewerDoesNot) {
  EXPECT_TRUE(s_->client(0).signing());
  EXPECT_TRUE(s_->client(1).signing());
  EXPECT_TRUE(s_->client(2).signing()) << "negotiated; it has nothing its role may sign";
  ASSERT_NE(s_->server().world().commands(), nullptr);
}

TEST_F(SignedCommandsInTheGame, ConcurrentWritesAreSettledRecordedAndReplayed) {
  ASSERT_TRUE(write(0, "votes", data::Value(std::int64_t{10})).ok());
  s_->run_until(4000ms);
  // Both based on the version holding 10, neither has seen the other's: concurrent.
  ASSERT_TRUE(write(0, "votes", data::Value(std::int64_t{13})).ok());
  ASSERT_TRUE(write(1, "votes", data::Value(std::int64_t{9})).ok());
  ASSERT_TRUE(write(0, "title", data::Value(std::string("ann's"))).ok());
  ASSERT_TRUE(write(1, "title", data::Value(std::string("ben's"))).ok());
  s_->run_until(7000ms);

  EXPECT_EQ(server_field("votes"), data::Value(std::int64_t{12})) << "+3 and -1 both counted";
  const GameCommands& commands = *s_->server().world().commands();
  const auto& by_strategy = commands.resolver().log().by_strategy();
  ASSERT_TRUE(by_strategy.contains("merge:counter"));
  ASSERT_TRUE(by_strategy.contains("lww"));
  EXPECT_EQ(commands.host().stats().accepted, 5u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s_->client(i).data().view().canonical_bytes(), server_store().canonical_bytes())
        << "client " << i << " converged";
    EXPECT_TRUE(s_->client(i).data().take_refused_writes().empty()) << i;
  }
  const std::string stream = finish();
  EXPECT_NE(stream.find(R"("kind":"conflict")"), std::string::npos) << stream;
  EXPECT_NE(stream.find(R"("strategy":"merge:counter")"), std::string::npos);
  EXPECT_NE(stream.find(R"("strategy":"lww")"), std::string::npos);
  EXPECT_EQ(replayed(), stream) << "the commands replay from the input log";
}

TEST_F(SignedCommandsInTheGame, AServerStrategyConflictRefusesTheLaterCommand) {
  ASSERT_TRUE(write(0, "owner", data::Value(std::string("ann"))).ok());
  ASSERT_TRUE(write(1, "owner", data::Value(std::string("ben"))).ok());
  s_->run_until(5000ms);
  const auto ann = s_->client(0).data().take_refused_writes();
  const auto ben = s_->client(1).data().take_refused_writes();
  ASSERT_EQ(ann.size() + ben.size(), 1u) << "exactly one of them loses";
  const auto& lost = ann.empty() ? ben[0] : ann[0];
  EXPECT_EQ(lost.second.rfind("not_allowed: conflict: ", 0), 0u) << lost.second;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s_->client(i).data().view().canonical_bytes(), server_store().canonical_bytes())
        << "client " << i << ": the loser rolled back";
  }
  const std::string stream = finish();
  EXPECT_NE(stream.find(R"("kind":"command_refused","reason":"conflict")"), std::string::npos)
      << stream;
  EXPECT_NE(stream.find(R"("stage":"flush")"), std::string::npos);
  EXPECT_EQ(replayed(), stream);
}

TEST_F(SignedCommandsInTheGame, AViewersWriteIsRefusedRecordedAndNeverApplied) {
  ASSERT_TRUE(write(2, "title", data::Value(std::string("vic's"))).ok());
  s_->run_until(4000ms);
  const auto refused = s_->client(2).data().take_refused_writes();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].second, "not_allowed: the role viewer may not send DataWrite");
  EXPECT_FALSE(server_field("title")) << "nothing of it was applied";
  const auto denied = s_->client(2).take_permission_denials();
  ASSERT_EQ(denied.size(), 1u) << "sent once, for the server to refuse";
  EXPECT_EQ(denied[0].message_type, static_cast<std::uint16_t>(protocol::MessageType::kDataWrite));
  EXPECT_EQ(s_->client(2).data().view().canonical_bytes(), server_store().canonical_bytes());
  const std::string stream = finish();
  EXPECT_NE(stream.find(R"("kind":"permission_denied","message":"DataWrite","role":"viewer")"),
            std::string::npos)
      << stream;
  EXPECT_EQ(replayed(), stream);
}

}  // namespace
}  // namespace theta_net::session
