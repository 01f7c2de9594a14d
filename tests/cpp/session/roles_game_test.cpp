// Roles in the reference game: a viewer watches (its block placement and chat are refused, the
// world does not change, the refusal is in the server's event stream) while an editor builds; an
// admin's kick makes the player leave; and a game with refusals and controls still replays from
// its input log byte for byte.
#include <gtest/gtest.h>

#include <algorithm>

#include "recorded_game.hpp"
#include "theta_net/session/local_session.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

class RolesInTheGame : public ::testing::Test {
 protected:
  void SetUp() override {
    auto header = replay::StreamHeader::for_this_build("roles_test", 7, 20, "server");
    header.extra = world_header_extra("superflat", 20);
    ASSERT_TRUE(streams_.open("theta_roles_game_", header));

    LocalSessionConfig config;
    config.server.world.terrain =
        world::TerrainGenerator({7, world::TerrainKind::kSuperflat, 62}).filler();
    config.server.chunks.view_radius = 2;
    config.server.sessions.handshake.tokens = {{"look", protocol::Role::kViewer},
                                               {"build", protocol::Role::kEditor},
                                               {"root", protocol::Role::kAdmin}};
    auto created = LocalSession::create(config, streams_.events(), streams_.inputs());
    ASSERT_TRUE(created.ok()) << created.error().describe();
    s_ = std::move(*created);
    for (const char* token : {"look", "build", "root"}) {
      LocalClientSpec spec;
      spec.name = token;
      spec.token = token;
      spec.link.latency = 20ms;
      ASSERT_TRUE(s_->add_client(spec).ok());
    }
    s_->run_until(2500ms);
    for (std::size_t i = 0; i < 3; ++i) ASSERT_TRUE(s_->client(i).has_player()) << i;
  }
  std::string finish() { return streams_.finish(s_->server()); }
  std::string replayed() const { return streams_.replayed(); }
  static PlayerIntent place(std::int32_t x) {
    PlayerIntent intent;
    intent.block = protocol::BlockAction{protocol::BlockActionKind::kPlace,
                                         {x, 3, 2},
                                         protocol::BlockFace::kUp,
                                         world::blocks::kPlanks};
    return intent;
  }

  testing::RecordedStreams streams_;  // outlives the session, which writes to it
  std::unique_ptr<LocalSession> s_;
};

TEST_F(RolesInTheGame, AViewerCannotBuildOrChatAnEditorCan) {
  GameClient& viewer = s_->client(0);
  GameClient& editor = s_->client(1);
  EXPECT_EQ(viewer.role(), protocol::Role::kViewer);
  EXPECT_EQ(viewer.metrics().bundles_sent, 0u) << "a viewer streams no inputs";
  viewer.set_intent(place(0));
  editor.set_intent(place(2));
  viewer.say("let me in");
  s_->run_until(4000ms);

  world::ChunkStore& blocks = s_->server().world().chunks();
  EXPECT_EQ(blocks.block_at({0, 4, 2}), world::blocks::kAir) << "the viewer's block is refused";
  EXPECT_EQ(blocks.block_at({2, 4, 2}), world::blocks::kPlanks) << "the editor's is placed";
  EXPECT_EQ(viewer.metrics().permission_denied, 2u);
  const auto denied = viewer.take_permission_denials();
  ASSERT_EQ(denied.size(), 2u);
  EXPECT_EQ(denied[0].message_type,
            static_cast<std::uint16_t>(protocol::MessageType::kChatMessage));
  EXPECT_EQ(denied[1].message_type,
            static_cast<std::uint16_t>(protocol::MessageType::kInputBundle));
  EXPECT_EQ(editor.metrics().permission_denied, 0u);
  EXPECT_TRUE(viewer.established()) << "two refusals do not close it";
  EXPECT_GT(viewer.metrics().chunks_loaded, 20u) << "the viewer watches";

  const std::string stream = finish();
  EXPECT_NE(stream.find(R"("kind":"permission_denied","message":"InputBundle","role":"viewer")"),
            std::string::npos)
      << stream;
  EXPECT_NE(stream.find(R"("kind":"permission_denied","message":"ChatMessage","role":"viewer")"),
            std::string::npos);
  EXPECT_EQ(stream.find(R"("kind":"chat")"), std::string::npos) << "the chat never happened";
  EXPECT_EQ(replayed(), stream) << "refusals replay from the input log";
}

TEST_F(RolesInTheGame, AKickedPlayerLeavesTheWorldAndTheControlIsRecorded) {
  GameClient& admin = s_->client(2);
  const std::uint64_t editor_session = s_->client(1).session().session()->session_id;
  ASSERT_EQ(s_->server().world().simulation().players().size(), 3u);
  auto sequence =
      admin.control(protocol::ControlAction::kKick, editor_session, std::nullopt, "griefing");
  ASSERT_TRUE(sequence.ok());
  s_->run_until(3500ms);
  const auto results = admin.take_control_results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].accepted) << results[0].text;
  EXPECT_EQ(s_->client(1).state(), SessionState::kRejected);
  EXPECT_EQ(s_->server().world().simulation().players().size(), 2u) << "at once, not later";

  const std::string stream = finish();
  EXPECT_NE(stream.find(R"("accepted":true,"action":"kick","by":"0x)"), std::string::npos)
      << stream;
  EXPECT_NE(stream.find(R"("kind":"session_control","reason":"griefing")"), std::string::npos);
  EXPECT_NE(stream.find(R"("kind":"leave","reason":"kicked: griefing")"), std::string::npos);
  EXPECT_EQ(replayed(), stream);
}

TEST_F(RolesInTheGame, AViewersDataWriteIsRolledBackAnEditorsLands) {
  auto write = [](GameClient& c, data::EntityId id, const std::string& label) {
    data::Transaction tx(c.data().view().schema_ptr());
    EXPECT_TRUE(tx.set("markers", id, "marker", "label", label).ok());
    return c.data().write(tx);
  };
  GameClient& viewer = s_->client(0);
  GameClient& editor = s_->client(1);
  ASSERT_TRUE(write(viewer, 5, "mine").ok());
  ASSERT_TRUE(write(editor, 6, "ours").ok());
  s_->run_until(3500ms);
  const auto refused = viewer.data().take_refused_writes();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].second, "not_allowed: the role viewer may not send DataWrite");
  EXPECT_EQ(viewer.data().pending_writes(), 0u);
  const data::Store& view = viewer.data().view();
  const data::Table& markers =
      view.table(static_cast<std::size_t>(view.schema().table_index("markers")));
  EXPECT_FALSE(markers.find(5)) << "rolled back";
  EXPECT_TRUE(markers.find(6)) << "the editor's arrived";
  EXPECT_TRUE(editor.data().take_refused_writes().empty());
  EXPECT_EQ(s_->server().world().data().host().store().digest(), viewer.data().view().digest());
}

TEST_F(RolesInTheGame, AWriteSentBeforeARoleChangeWasKnownIsNotLeftPending) {
  GameClient& editor = s_->client(1);
  GameClient& admin = s_->client(2);
  const std::uint64_t session = editor.session().session()->session_id;
  ASSERT_TRUE(
      admin.control(protocol::ControlAction::kRoleChange, session, protocol::Role::kViewer).ok());
  // The control reaches the server first; the editor writes before it hears of it.
  s_->run_until(s_->now() + 10ms);
  data::Transaction tx(editor.data().view().schema_ptr());
  ASSERT_TRUE(tx.set("markers", 9, "marker", "label", std::string("late")).ok());
  ASSERT_TRUE(editor.data().write(tx).ok());
  s_->run_until(s_->now() + 1s);
  EXPECT_EQ(editor.role(), protocol::Role::kViewer);
  // Its write and the inputs it streamed meanwhile were refused, without closing it.
  const auto denied = editor.take_permission_denials();
  EXPECT_EQ(std::count_if(denied.begin(), denied.end(),
                          [](const protocol::PermissionDenied& d) {
                            return d.message_type ==
                                   static_cast<std::uint16_t>(protocol::MessageType::kDataWrite);
                          }),
            1);
  EXPECT_TRUE(editor.established());
  EXPECT_EQ(editor.data().pending_writes(), 0u) << "rolled back, not stuck";
  EXPECT_EQ(editor.data().take_lost_writes().size(), 1u);
  EXPECT_EQ(s_->server().world().data().host().store().digest(), editor.data().view().digest());
}

}  // namespace
}  // namespace theta_net::session
