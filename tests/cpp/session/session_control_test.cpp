// Session control over SimNet and QUIC: an admin kicks (the target is told, closed with kicked
// and the reason, and cannot resume), bans (by key, for a time or for good: the key is refused in
// the hello with the reason; a new key is a new identity) and changes roles (which then hold).
// Every control is signed by the admin's proven key and numbered; a forged one (a bad signature,
// a sender that is no admin, a replayed sequence) is refused and changes nothing.
#include <gtest/gtest.h>

#include "session_world.hpp"
#include "theta_net/protocol/control_signature.hpp"
#include "theta_net/session/driver_clock.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"

namespace theta_net::session {
namespace {

using namespace protocol;
using namespace std::chrono_literals;
using testing::RoleWorld;
using testing::test_key;

// An admin (client 0, key 100) and an editor (client 1, key 101), both established.
struct AdminAndTarget : RoleWorld {
  AdminAndTarget() {
    add_client("root", 100);
    add_client("edit", 101);
    run(300ms);
    EXPECT_EQ(client(0).role(), Role::kAdmin);
    EXPECT_EQ(client(1).state(), SessionState::kEstablished);
    target = client(1).session()->session_id;
  }
  std::optional<SessionControlResult> result(std::uint64_t sequence) const {
    for (const auto& r : received<SessionControlResult>(0)) {
      if (r.sequence == sequence) return r;
    }
    return std::nullopt;
  }
  std::string rejection(std::size_t i) const {
    for (const ClientEvent& e : client_events[i]) {
      if (e.kind == ClientEvent::Kind::kRejected) return e.detail;
    }
    return "";
  }
  std::uint64_t target = 0;
};

TEST(SessionControl, AnAdminKicksASessionWhichIsToldClosedAndCannotResume) {
  AdminAndTarget w;
  auto sequence = w.client(0).send_control(ControlAction::kKick, w.target, std::nullopt, "afk");
  ASSERT_TRUE(sequence.ok()) << sequence.error().describe();
  EXPECT_EQ(*sequence, 1u);
  w.run(300ms);

  const auto result = w.result(1);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->accepted) << result->text;
  EXPECT_NE(result->text.find("kicked session 0x"), std::string::npos) << result->text;
  const auto told = w.received<SessionControl>(1);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].action, ControlAction::kKick);
  EXPECT_EQ(told[0].reason, "afk");
  EXPECT_EQ(w.client(1).state(), SessionState::kRejected) << "no reconnecting after a kick";
  EXPECT_NE(w.rejection(1).find("kicked: afk"), std::string::npos) << w.rejection(1);
  EXPECT_NE(w.rejection(1).find("code 6"), std::string::npos) << w.rejection(1);

  const auto controls = w.host_events_of(HostEvent::Kind::kSessionControl);
  ASSERT_EQ(controls.size(), 1u);
  EXPECT_TRUE(controls[0].accepted);
  EXPECT_EQ(controls[0].target_session, w.target);
  EXPECT_EQ(controls[0].session.client_name, "edit1");
  EXPECT_EQ(w.host->handshake().session(w.target), nullptr) << "forgotten: no resume";
  EXPECT_EQ(w.host->sessions().size(), 1u);

  // Coming back is allowed (a kick is not a ban): as a new session.
  w.redial(1);
  w.run(300ms);
  ASSERT_EQ(w.client(1).state(), SessionState::kEstablished);
  EXPECT_FALSE(w.client(1).session()->resumed);
  EXPECT_NE(w.client(1).session()->session_id, w.target);
}

TEST(SessionControl, ABannedKeyCannotComeBackAndANewKeyIsANewIdentity) {
  AdminAndTarget w;
  ASSERT_TRUE(
      w.client(0).send_control(ControlAction::kBan, w.target, std::nullopt, "cheating").ok());
  w.run(300ms);
  ASSERT_TRUE(w.result(1) && w.result(1)->accepted);
  EXPECT_NE(w.result(1)->text.find("for good"), std::string::npos) << w.result(1)->text;
  EXPECT_EQ(w.client(1).state(), SessionState::kRejected);
  EXPECT_NE(w.rejection(1).find("banned: cheating"), std::string::npos) << w.rejection(1);
  EXPECT_NE(w.rejection(1).find("code 256"), std::string::npos) << w.rejection(1);

  w.client_events[1].clear();
  w.redial(1);
  w.run(300ms);
  EXPECT_EQ(w.client(1).state(), SessionState::kRejected);
  EXPECT_NE(w.rejection(1).find("banned: this client's key is banned from this server for good: "
                                "cheating"),
            std::string::npos)
      << w.rejection(1);

  // The same token with a fresh key pair is someone new.
  const std::size_t fresh = w.add_client("edit", 102);
  w.run(300ms);
  ASSERT_EQ(w.client(fresh).state(), SessionState::kEstablished);
  EXPECT_NE(w.client(fresh).session()->session_id, w.target);
}

TEST(SessionControl, ATimedBanEndsAfterItsTime) {
  AdminAndTarget w;
  ASSERT_TRUE(
      w.client(0).send_control(ControlAction::kBan, w.target, std::nullopt, "cool off", 2).ok());
  w.run(300ms);
  ASSERT_TRUE(w.result(1) && w.result(1)->accepted);
  w.client_events[1].clear();
  w.redial(1);
  w.run(300ms);
  EXPECT_NE(w.rejection(1).find("for another 2 s: cool off"), std::string::npos) << w.rejection(1);
  w.run(2000ms);
  w.redial(1);
  w.run(300ms);
  EXPECT_EQ(w.client(1).state(), SessionState::kEstablished);
}

TEST(SessionControl, ARoleChangeIsToldAndHolds) {
  AdminAndTarget w;
  ChatMessage chat;
  chat.text = "hello";
  ASSERT_TRUE(
      w.client(0).send_control(ControlAction::kRoleChange, w.target, Role::kViewer, "watch").ok());
  w.run(300ms);
  ASSERT_TRUE(w.result(1) && w.result(1)->accepted);
  EXPECT_EQ(w.client(1).role(), Role::kViewer);
  EXPECT_EQ(w.host->handshake().session(w.target)->role, Role::kViewer);
  ASSERT_TRUE(w.client(1).send(chat).ok());
  w.run(200ms);
  EXPECT_EQ(w.received<PermissionDenied>(1).size(), 1u);
  EXPECT_EQ(w.delivered<ChatMessage>(), 0u);

  ASSERT_TRUE(w.client(0).send_control(ControlAction::kRoleChange, w.target, Role::kPlayer).ok());
  w.run(300ms);
  EXPECT_EQ(w.client(1).role(), Role::kPlayer);
  ASSERT_TRUE(w.client(1).send(chat).ok());
  w.run(200ms);
  EXPECT_EQ(w.delivered<ChatMessage>(), 1u);
}

TEST(SessionControl, RefusalsRightAfterARoleChangeDoNotCloseTheConnection) {
  AdminAndTarget w;
  ASSERT_TRUE(w.client(0).send_control(ControlAction::kRoleChange, w.target, Role::kViewer).ok());
  w.run(20ms);  // the server has changed the role; the target has not heard of it yet
  ChatMessage chat;
  chat.text = "in flight";
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(w.client(1).send(chat).ok());
  w.run(300ms);
  EXPECT_EQ(w.received<PermissionDenied>(1).size(), 12u);
  EXPECT_EQ(w.client(1).state(), SessionState::kEstablished) << "within the grace period";
  w.run(2000ms);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(w.client(1).send(chat).ok());
  w.run(300ms);
  EXPECT_EQ(w.client(1).state(), SessionState::kRejected) << "after it, refusals count again";
}

TEST(SessionControl, ForgedControlsAreRefusedAndChangeNothing) {
  AdminAndTarget w;
  const std::size_t editor = w.add_client("edit", 103);
  w.run(300ms);
  // Not an admin: refused by the permission table, whatever its signature.
  ASSERT_TRUE(w.client(editor)
                  .send(signed_session_control(test_key(103), ControlAction::kKick, w.target, 1))
                  .ok());
  // An admin's session sending a control signed by another key.
  ASSERT_TRUE(w.client(0)
                  .send(signed_session_control(test_key(999), ControlAction::kKick, w.target, 1))
                  .ok());
  // Unsigned.
  SessionControl unsigned_control;
  unsigned_control.action = ControlAction::kKick;
  unsigned_control.target = w.target;
  unsigned_control.sequence = 1;
  ASSERT_TRUE(w.client(0).send(unsigned_control).ok());
  w.run(300ms);
  EXPECT_EQ(w.received<PermissionDenied>(editor).size(), 1u);
  const auto results = w.received<SessionControlResult>(0);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].accepted);
  EXPECT_NE(results[0].text.find("does not verify under the key this session proved"),
            std::string::npos)
      << results[0].text;
  EXPECT_FALSE(results[1].accepted);
  EXPECT_EQ(results[1].text, "the SessionControl is not signed");

  // A genuine one (sequence 1), then the same bytes again, then one that skips ahead.
  const SessionControl genuine = signed_session_control(test_key(100), ControlAction::kRoleChange,
                                                        w.target, 1, Role::kPlayer, "first");
  ASSERT_TRUE(w.client(0).send(genuine).ok());
  ASSERT_TRUE(w.client(0).send(genuine).ok());
  ASSERT_TRUE(w.client(0)
                  .send(signed_session_control(test_key(100), ControlAction::kKick, w.target, 5))
                  .ok());
  w.run(300ms);
  const auto later = w.received<SessionControlResult>(0);
  ASSERT_EQ(later.size(), 5u);
  EXPECT_TRUE(later[2].accepted) << later[2].text;
  EXPECT_FALSE(later[3].accepted);
  EXPECT_EQ(later[3].text,
            "sequence 1 is not the next of this admin (2): a repeated or skipped control is "
            "refused");
  EXPECT_FALSE(later[4].accepted);
  EXPECT_EQ(w.client(1).state(), SessionState::kEstablished) << "never kicked";
  EXPECT_EQ(w.client(1).role(), Role::kPlayer) << "only the genuine control took effect";
  EXPECT_EQ(w.host->control_desk().last_sequence(test_key(100).public_key()), 1u);
  EXPECT_EQ(w.host->counters().controls_accepted, 1u);
  EXPECT_EQ(w.host->counters().controls_refused, 4u);
}

TEST(SessionControl, ControlsNamingNoSessionOrNoRoleAreRefused) {
  AdminAndTarget w;
  ASSERT_TRUE(w.client(0).send_control(ControlAction::kKick, 12345).ok());
  ASSERT_TRUE(w.client(0).send_control(ControlAction::kRoleChange, w.target).ok());
  ASSERT_TRUE(w.client(0).send_control(ControlAction::kMigrationIntent, 0).ok());
  w.run(300ms);
  const auto results = w.received<SessionControlResult>(0);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].text, "no session 0x0000000000003039 on this server");
  EXPECT_EQ(results[1].text, "a role_change names no role");
  EXPECT_EQ(results[2].text, "migration_intent is the server's to send, not an admin's");
  for (const auto& r : results) EXPECT_FALSE(r.accepted);
}

TEST(SessionControlOverQuic, AnAdminKicksASessionOnLoopback) {
  auto server = transport::QuicServer::create({});
  ASSERT_TRUE(server.ok()) << server.error().describe();
  SessionHost host(testing::role_tokens(), test_key(1), Rng(2));
  ServerDriver host_driver(**server, host);
  std::vector<std::unique_ptr<transport::QuicClient>> endpoints;
  std::vector<std::unique_ptr<SessionClient>> clients;
  std::vector<std::unique_ptr<ClientDriver>> drivers;
  for (const char* token : {"root", "play"}) {
    transport::QuicClientConfig config;
    config.port = (*server)->port();
    auto endpoint = transport::QuicClient::create(config);
    ASSERT_TRUE(endpoint.ok()) << endpoint.error().describe();
    endpoints.push_back(std::move(*endpoint));
    SessionClientConfig session;
    session.handshake.auth_token = token;
    clients.push_back(std::make_unique<SessionClient>(session, test_key(100 + clients.size()),
                                                      Rng(7 + clients.size())));
    ClientDriverConfig no_redial;
    no_redial.reconnect_after = std::chrono::hours(1);
    drivers.push_back(
        std::make_unique<ClientDriver>(*endpoints.back(), *clients.back(), nullptr, no_redial));
  }
  const DriverClock clock;
  std::optional<std::uint64_t> sent;
  std::string kicked;
  for (int i = 0; i < 2000 && kicked.empty(); ++i) {
    host_driver.wait(clock.now(), 1ms);
    host_driver.step(clock.now());
    for (auto& d : drivers) {
      d->wait(1ms);
      d->step(clock.now());
    }
    while (host.next_event()) {
    }
    while (clients[0]->next_event()) {
    }
    while (auto e = clients[1]->next_event()) {
      if (e->kind == ClientEvent::Kind::kRejected) kicked = e->detail;
    }
    if (!sent && clients[0]->state() == SessionState::kEstablished &&
        clients[1]->state() == SessionState::kEstablished) {
      auto sequence = clients[0]->send_control(
          ControlAction::kKick, clients[1]->session()->session_id, std::nullopt, "over quic");
      ASSERT_TRUE(sequence.ok());
      sent = *sequence;
    }
  }
  ASSERT_TRUE(sent.has_value()) << "both sessions were established";
  EXPECT_EQ(clients[1]->state(), SessionState::kRejected);
  EXPECT_NE(kicked.find("over quic"), std::string::npos) << kicked;
  EXPECT_EQ(host.counters().controls_accepted, 1u);
  EXPECT_EQ(host.sessions().size(), 1u);
}

}  // namespace
}  // namespace theta_net::session
