// EditorRelay: events go to the other clients whose scopes hold their tool (or "*"), with the
// sender as author; gizmo transforms coalesce per sender, tool and entities between flushes;
// senders are rate limited and the pending queue is bounded, each refusal typed and counted.
// Then the same in the reference game over SimNet, roles and reconnection included.
#include "theta_net/session/editor_relay.hpp"

#include <gtest/gtest.h>

#include "theta_net/session/local_session.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
using protocol::EditorEventKind;

protocol::EditorEvent event(EditorEventKind kind, std::string tool,
                            std::vector<std::uint64_t> entities, std::string payload = "") {
  protocol::EditorEvent e;
  e.kind = kind;
  e.author = 999;  // a client's claim, replaced by the relay
  e.tool = std::move(tool);
  e.entities = std::move(entities);
  e.payload.assign(payload.begin(), payload.end());
  return e;
}

TEST(EditorRelay, EventsGoToOtherClientsInTheToolsScopeWithTheSenderAsAuthor) {
  EditorRelay relay;
  const std::set<std::string> terrain = {"terrain"}, props = {"props"}, all = {"*"};
  const std::vector<EditorRecipient> clients = {
      {1, &terrain}, {2, &terrain}, {3, &props}, {4, &all}, {5, nullptr}};
  ASSERT_TRUE(relay.on_event(1, event(EditorEventKind::kSelection, "terrain", {7, 8}), 1s).ok());
  ASSERT_TRUE(relay.on_event(3, event(EditorEventKind::kToolActivated, "props", {}), 1s).ok());
  const std::vector<EditorDelivery> out = relay.flush(clients);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].to, 2u);
  EXPECT_EQ(out[0].event.author, 1u);
  EXPECT_EQ(out[0].event.entities, (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(out[1].to, 4u) << "'*' takes every tool";
  EXPECT_EQ(out[2].to, 4u);
  EXPECT_EQ(out[2].event.author, 3u);
  EXPECT_EQ(out[2].event.kind, EditorEventKind::kToolActivated);
  EXPECT_TRUE(relay.flush(clients).empty()) << "each event is flushed once";
  EXPECT_EQ(relay.stats(1)->delivered, 2u);
  EXPECT_EQ(relay.totals().delivered, 3u);
}

TEST(EditorRelay, OnlyTheLatestGizmoTransformPerObjectIsRelayedEachTick) {
  EditorRelay relay;
  const std::set<std::string> scope = {"gizmo"};
  const std::vector<EditorRecipient> clients = {{1, &scope}, {2, &scope}};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        relay
            .on_event(
                1, event(EditorEventKind::kGizmoTransform, "gizmo", {42}, "x=" + std::to_string(i)),
                1s + i * 10ms)
            .ok());
  }
  ASSERT_TRUE(
      relay.on_event(1, event(EditorEventKind::kGizmoTransform, "gizmo", {43}, "y"), 1s).ok());
  ASSERT_TRUE(relay.on_event(1, event(EditorEventKind::kSelection, "gizmo", {42}), 1s).ok());
  ASSERT_TRUE(relay.on_event(1, event(EditorEventKind::kSelection, "gizmo", {42}), 1s).ok())
      << "only gizmo transforms coalesce";
  std::vector<EditorDelivery> out = relay.flush(clients);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(std::string(out[0].event.payload.begin(), out[0].event.payload.end()), "x=4")
      << "the latest, in the first one's place";
  EXPECT_EQ(out[1].event.entities, (std::vector<std::uint64_t>{43}));
  EXPECT_EQ(relay.stats(1)->coalesced, 4u);
  EXPECT_EQ(relay.stats(1)->received, 8u);
  // A new tick: the next transform is relayed again.
  ASSERT_TRUE(
      relay.on_event(1, event(EditorEventKind::kGizmoTransform, "gizmo", {42}, "x=5"), 2s).ok());
  out = relay.flush(clients);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::string(out[0].event.payload.begin(), out[0].event.payload.end()), "x=5");
}

TEST(EditorRelay, SendersAreRateLimitedAndRefusalsAreTyped) {
  EditorRelay relay({10, 5, 4096});
  int taken = 0;
  for (int i = 0; i < 8; ++i) {
    Status s = relay.on_event(1, event(EditorEventKind::kPanelUpdate, "panel", {}), 1s);
    if (s.ok()) {
      ++taken;
    } else {
      EXPECT_EQ(s.error().code, ErrorCode::kLimitExceeded);
    }
  }
  EXPECT_EQ(taken, 5) << "the burst";
  EXPECT_EQ(relay.stats(1)->dropped, 3u);
  EXPECT_FALSE(relay.on_event(1, event(EditorEventKind::kPanelUpdate, "panel", {}), 1s + 50ms).ok())
      << "half a token after 50 ms at 10/s";
  EXPECT_TRUE(
      relay.on_event(1, event(EditorEventKind::kPanelUpdate, "panel", {}), 1s + 100ms).ok());
  EXPECT_TRUE(relay.on_event(2, event(EditorEventKind::kPanelUpdate, "panel", {}), 1s).ok())
      << "another sender has its own bucket";

  Status no_tool = relay.on_event(3, event(EditorEventKind::kSelection, "", {1}), 1s);
  ASSERT_FALSE(no_tool.ok());
  EXPECT_EQ(no_tool.error().code, ErrorCode::kInvalidArgument);
  Status bad_kind = relay.on_event(3, event(static_cast<EditorEventKind>(9), "t", {1}), 1s);
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(relay.stats(3)->refused, 2u);
  EXPECT_EQ(relay.totals().refused, 2u);
}

TEST(EditorRelay, PendingEventsAreBoundedAndAForgottenSendersGo) {
  EditorRelay relay({1000, 1000, 3});
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(relay.on_event(1, event(EditorEventKind::kSelection, "t", {1}), 1s).ok());
  Status over = relay.on_event(2, event(EditorEventKind::kSelection, "t", {1}), 1s);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(relay.pending(), 3u);
  relay.forget(1);
  EXPECT_EQ(relay.pending(), 0u);
  EXPECT_EQ(relay.stats(1), nullptr);
  EXPECT_EQ(relay.totals().received, 3u);
}

}  // namespace
}  // namespace theta_net::session

// In the reference game over SimNet: two editors and a viewer watch the "layout" tool, a player
// watches nothing. An editor's drag (many gizmo transforms a tick) reaches the others in scope
// coalesced, with its session as author; the viewer receives but may not send.
namespace theta_net::session {
namespace {

class EditorsInTheGame : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalSessionConfig config;
    config.server.world.terrain =
        world::TerrainGenerator({7, world::TerrainKind::kSuperflat, 62}).filler();
    config.server.chunks.view_radius = 1;
    config.server.sessions.handshake.tokens = {{"ed", protocol::Role::kEditor},
                                               {"look", protocol::Role::kViewer},
                                               {"play", protocol::Role::kPlayer}};
    auto created = LocalSession::create(config);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    s_ = std::move(*created);
    for (const char* token : {"ed", "ed", "look", "play"}) {
      LocalClientSpec spec;
      spec.name = str_cat(token, s_->client_count());
      spec.token = token;
      spec.link.latency = 20ms;
      ASSERT_TRUE(s_->add_client(spec).ok());
    }
    s_->run_until(2s);
    for (std::size_t i = 0; i < 3; ++i) ASSERT_TRUE(s_->client(i).set_tool_scopes({"layout"}).ok());
    s_->run_until(2500ms);
  }
  std::uint64_t session(std::size_t i) { return s_->client(i).session().session()->session_id; }

  std::unique_ptr<LocalSession> s_;
};

TEST_F(EditorsInTheGame, ADragReachesTheOthersInScopeCoalescedAndAViewerMayOnlyWatch) {
  GameClient& ann = s_->client(0);
  ASSERT_TRUE(ann.send_editor_event(event(EditorEventKind::kToolActivated, "layout", {})).ok());
  // A drag: five transforms of entity 9 sent within one tick, then one more a second later.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        ann.send_editor_event(event(EditorEventKind::kGizmoTransform, "layout", {9}, str_cat(i)))
            .ok());
  }
  ASSERT_TRUE(
      s_->client(2).send_editor_event(event(EditorEventKind::kSelection, "layout", {9})).ok());
  s_->run_until(3500ms);
  ASSERT_TRUE(
      ann.send_editor_event(event(EditorEventKind::kGizmoTransform, "layout", {9}, "5")).ok());
  s_->run_until(4500ms);

  for (std::size_t i : {1u, 2u}) {
    SCOPED_TRACE(i);
    const std::vector<protocol::EditorEvent> got = s_->client(i).take_editor_events();
    ASSERT_EQ(got.size(), 3u) << "tool_activated, the drag's latest, the later transform";
    EXPECT_EQ(got[0].kind, EditorEventKind::kToolActivated);
    EXPECT_EQ(got[0].author, session(0));
    EXPECT_EQ(got[1].kind, EditorEventKind::kGizmoTransform);
    EXPECT_EQ(std::string(got[1].payload.begin(), got[1].payload.end()), "4");
    EXPECT_EQ(std::string(got[2].payload.begin(), got[2].payload.end()), "5");
  }
  EXPECT_TRUE(s_->client(0).take_editor_events().empty()) << "not back to the sender";
  EXPECT_TRUE(s_->client(3).take_editor_events().empty()) << "no scope, nothing";
  // The viewer's selection was refused by the session layer before the relay saw it.
  const auto denied = s_->client(2).take_permission_denials();
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].message_type,
            static_cast<std::uint16_t>(protocol::MessageType::kEditorEvent));
  const EditorRelayTotals& totals = s_->server().editor_relay().totals();
  EXPECT_EQ(totals.received, 7u);
  EXPECT_EQ(totals.coalesced, 4u);
  EXPECT_EQ(totals.delivered, 6u);
  EXPECT_EQ(s_->client(1).editor_events_received().at("gizmo_transform"), 2u);
}

TEST_F(EditorsInTheGame, ScopesAreSentAgainAfterAReconnection) {
  ASSERT_TRUE(s_->cut_off(1, 12s).ok());  // past the idle timeout: a new connection
  s_->run_until(30s);
  ASSERT_TRUE(s_->client(1).established());
  ASSERT_GE(s_->client_reconnects(1), 1u);
  ASSERT_TRUE(
      s_->client(0).send_editor_event(event(EditorEventKind::kSelection, "layout", {3})).ok());
  s_->run_until(31s);
  EXPECT_EQ(s_->client(1).take_editor_events().size(), 1u);
}

}  // namespace
}  // namespace theta_net::session
