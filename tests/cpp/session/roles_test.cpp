// Roles that hold: the SessionHost checks every message of an established session against its
// role's row of the permission table. A refused message never reaches the application; the
// sender gets PermissionDenied naming the message and the role, the application a
// kPermissionDenied event; repeated refusals close the connection with permission_denied, and
// the client does not come back on its own.
#include <gtest/gtest.h>

#include "session_world.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {
namespace {

using namespace protocol;
using namespace std::chrono_literals;
using testing::RoleWorld;

InputBundle one_input() {
  InputBundle bundle;
  InputFrame input;
  input.tick = 1;
  input.sequence = 1;
  input.block = BlockAction{BlockActionKind::kPlace, {0, 3, 2}, BlockFace::kUp, 5};
  bundle.inputs.push_back(input);
  return bundle;
}

ChatMessage chat(const std::string& text) {
  ChatMessage m;
  m.text = text;
  return m;
}

CommandLogEntry command(std::uint16_t kind) {
  CommandLogEntry entry;
  entry.sequence = 1;
  entry.command = kind;
  return entry;
}

TEST(Roles, TheTableSaysWhatEachRoleMaySend) {
  EXPECT_FALSE(role_may_send(Role::kViewer, MessageType::kInputBundle));
  EXPECT_FALSE(role_may_send(Role::kViewer, MessageType::kChatMessage));
  EXPECT_FALSE(role_may_send(Role::kViewer, MessageType::kDataWrite));
  EXPECT_TRUE(role_may_send(Role::kViewer, MessageType::kHeartbeat));
  EXPECT_TRUE(role_may_send(Role::kViewer, MessageType::kDataSubscribe));
  EXPECT_TRUE(role_may_send(Role::kPlayer, MessageType::kInputBundle));
  EXPECT_TRUE(role_may_send(Role::kPlayer, MessageType::kChatMessage));
  EXPECT_FALSE(role_may_send(Role::kPlayer, MessageType::kDataWrite));
  EXPECT_TRUE(role_may_send(Role::kEditor, MessageType::kDataWrite));
  EXPECT_FALSE(role_may_send(Role::kEditor, MessageType::kSessionControl));
  EXPECT_TRUE(role_may_send(Role::kAdmin, MessageType::kSessionControl));
  EXPECT_FALSE(role_may_send(Role::kAdmin, MessageType::kChunkData)) << "a server's message";
  EXPECT_FALSE(role_may_send(static_cast<Role>(200), MessageType::kHeartbeat));

  const auto data_write = static_cast<std::uint16_t>(CommandKind::kDataWrite);
  EXPECT_FALSE(role_may_command(Role::kPlayer, data_write));
  EXPECT_TRUE(role_may_command(Role::kEditor, data_write));
  EXPECT_TRUE(role_may_command(Role::kEditor, 300)) << "an application command";
  EXPECT_FALSE(role_may_command(Role::kEditor, 2)) << "no such CommandKind";
  EXPECT_FALSE(role_may_command(Role::kViewer, 300));
  // Every server's message is refused to every role; every client's one is some role's.
  for (const RolePermissions& row : kPermissions) {
    for (MessageType type : row.messages) EXPECT_TRUE(client_sends(type));
  }
}

TEST(Roles, AViewersInputAndChatAreRefusedAndNotDeliveredAnEditorsAre) {
  RoleWorld w;
  const std::size_t viewer = w.add_client("look", 100);
  const std::size_t editor = w.add_client("edit", 101);
  w.run(300ms);
  ASSERT_EQ(w.client(viewer).state(), SessionState::kEstablished);
  ASSERT_EQ(w.client(editor).state(), SessionState::kEstablished);
  EXPECT_EQ(w.client(viewer).role(), Role::kViewer);
  for (std::size_t i : {viewer, editor}) {
    ASSERT_TRUE(w.client(i).send(one_input()).ok());
    ASSERT_TRUE(w.client(i).send(chat("hi")).ok());
  }
  w.run(300ms);

  EXPECT_EQ(w.delivered<InputBundle>(), 1u) << "only the editor's";
  EXPECT_EQ(w.delivered<ChatMessage>(), 1u);
  const auto denied = w.received<PermissionDenied>(viewer);
  ASSERT_EQ(denied.size(), 2u);
  EXPECT_EQ(denied[0].message_type, static_cast<std::uint16_t>(MessageType::kInputBundle));
  EXPECT_EQ(denied[0].role, Role::kViewer);
  EXPECT_EQ(denied[0].text, "the role viewer may not send InputBundle; nothing of it was applied");
  EXPECT_EQ(denied[1].message_type, static_cast<std::uint16_t>(MessageType::kChatMessage));
  EXPECT_TRUE(w.received<PermissionDenied>(editor).empty());

  const auto events = w.host_events_of(HostEvent::Kind::kPermissionDenied);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].session.role, Role::kViewer);
  EXPECT_EQ(events[0].session_id, w.client(viewer).session()->session_id);
  EXPECT_NE(events[0].detail.find("InputBundle"), std::string::npos);
  EXPECT_EQ(w.host->counters().permission_denied, 2u);
  EXPECT_EQ(w.client(viewer).state(), SessionState::kEstablished) << "two are not too many";
}

TEST(Roles, CommandsAreCheckedByMessageHereAndByKindWhereTheirSequenceIsUsed) {
  RoleWorld w;
  const std::size_t player = w.add_client("play", 100);
  const std::size_t editor = w.add_client("edit", 101);
  w.run(300ms);
  ASSERT_TRUE(w.client(player).send(command(1)).ok());
  ASSERT_TRUE(w.client(editor).send(command(1)).ok());    // data_write
  ASSERT_TRUE(w.client(editor).send(command(300)).ok());  // the application's
  ASSERT_TRUE(w.client(editor).send(command(2)).ok());  // no CommandKind 2: CollabHost's to refuse
  w.run(300ms);
  EXPECT_EQ(w.delivered<CommandLogEntry>(), 3u) << "every editor's command reaches the app";
  const auto player_denied = w.received<PermissionDenied>(player);
  ASSERT_EQ(player_denied.size(), 1u);
  EXPECT_EQ(player_denied[0].message_type,
            static_cast<std::uint16_t>(MessageType::kCommandLogEntry));
  EXPECT_EQ(player_denied[0].command, 0) << "refused for the message, not the command";
  EXPECT_TRUE(w.received<PermissionDenied>(editor).empty());
}

TEST(Roles, RepeatedRefusalsCloseTheConnectionForGood) {
  RoleWorld w;
  const std::size_t viewer = w.add_client("look", 100);
  w.run(300ms);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(w.client(viewer).send(chat("spam")).ok());
  w.run(500ms);
  EXPECT_EQ(w.host->counters().permission_denied, 8u) << "the eighth refusal closes it";
  EXPECT_EQ(w.host->counters().permission_closes, 1u);
  EXPECT_TRUE(w.host->sessions().empty());
  EXPECT_EQ(w.host_events_of(HostEvent::Kind::kSessionEnded).size(), 1u);
  EXPECT_EQ(w.client(viewer).state(), SessionState::kRejected);
  bool closed = false;
  for (const ClientEvent& e : w.client_events[viewer]) {
    if (e.kind == ClientEvent::Kind::kRejected) {
      closed = true;
      EXPECT_NE(e.detail.find("code 258"), std::string::npos) << e.detail;
      EXPECT_NE(e.detail.find("8 messages refused for permission"), std::string::npos) << e.detail;
    }
  }
  EXPECT_TRUE(closed);
}

TEST(Roles, AThresholdOfZeroNeverCloses) {
  SessionHostConfig config = testing::role_tokens();
  config.max_permission_denials = 0;
  RoleWorld w(config);
  const std::size_t viewer = w.add_client("look", 100);
  w.run(300ms);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(w.client(viewer).send(chat("spam")).ok());
  w.run(500ms);
  EXPECT_EQ(w.host->counters().permission_denied, 20u);
  EXPECT_EQ(w.client(viewer).state(), SessionState::kEstablished);
}

}  // namespace
}  // namespace theta_net::session
