// A client that breaks the protocol after its handshake (an InterestUpdate the server must
// refuse, a message clients do not send) is closed with protocol_error and a reason that says
// what was wrong; its player is detached like a dropped one, and the server carries on.
#include <gtest/gtest.h>

#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

Ed25519KeyPair key(std::uint64_t seed) {
  Rng rng(seed);
  return Ed25519KeyPair::from_rng(rng);
}

GameServerConfig small_world() {
  GameServerConfig c;
  c.world.terrain = world::TerrainGenerator({1, world::TerrainKind::kSuperflat, 62}).filler();
  c.chunks.view_radius = 1;
  return c;
}

// A game server, and one bare session client that sends whatever the test says.
struct Rogue {
  Rogue()
      : net(4),
        server_end(net.add_endpoint("server")),
        client_end(net.add_endpoint("rogue")),
        server(small_world(), key(1), Rng(2)),
        server_driver(server_end, server.sessions(), &server),
        client({}, key(3), Rng(4)),
        client_driver(client_end, client, nullptr, no_redial()) {
    client_end.connect(server_end);
    server.set_observer([this](const HostEvent& e) { observed.push_back(e); });
  }
  static ClientDriverConfig no_redial() {
    ClientDriverConfig c;
    c.reconnect_after = std::chrono::hours(1);
    return c;
  }
  void run(Micros d) {
    for (const Micros end = to_micros(net.now()) + d; to_micros(net.now()) < end;) {
      net.advance_by(5ms);
      server_driver.step(to_micros(net.now()));
      client_driver.step(to_micros(net.now()));
      while (auto e = client.next_event()) client_events.push_back(std::move(*e));
    }
  }

  transport::SimNet net;
  transport::SimEndpoint& server_end;
  transport::SimEndpoint& client_end;
  GameServer server;
  ServerDriver server_driver;
  SessionClient client;
  ClientDriver client_driver;
  std::vector<HostEvent> observed;
  std::vector<ClientEvent> client_events;
};

// Sends `messages` once joined, then checks that the server closed the rogue for `reason`.
void expect_closed_for(const std::vector<protocol::AnyMessage>& messages, std::string_view reason) {
  Rogue r;
  r.run(1s);
  ASSERT_EQ(r.client.state(), SessionState::kEstablished);
  ASSERT_EQ(r.server.world().simulation().players().size(), 1u);
  for (const auto& m : messages) ASSERT_TRUE(r.client.send(m).ok());
  r.run(500ms);

  std::vector<std::string> refusals;
  for (const HostEvent& e : r.observed) {
    if (e.kind == HostEvent::Kind::kRefused) refusals.push_back(e.detail);
  }
  ASSERT_EQ(refusals.size(), 1u) << "the server did not close the rogue's connection";
  EXPECT_NE(refusals[0].find("protocol error: "), std::string::npos) << refusals[0];
  EXPECT_NE(refusals[0].find(reason), std::string::npos) << refusals[0];
  EXPECT_EQ(r.server.sessions().counters().protocol_errors, 1u);
  EXPECT_EQ(r.server.metrics().protocol_violations, 1u);
  EXPECT_TRUE(r.server.sessions().sessions().empty());
  // The rogue's transport saw the close with the protocol_error code and the reason.
  bool lost = false;
  for (const ClientEvent& e : r.client_events) {
    if (e.kind != ClientEvent::Kind::kLost) continue;
    lost = true;
    EXPECT_NE(e.detail.find("closed with code 2"), std::string::npos) << e.detail;
    EXPECT_NE(e.detail.find(reason), std::string::npos) << e.detail;
  }
  EXPECT_TRUE(lost);
  EXPECT_EQ(r.client.state(), SessionState::kConnecting);
  // The player stays (detached, resumable), and the server keeps ticking.
  const std::uint32_t tick = r.server.world().tick();
  r.run(200ms);
  EXPECT_GT(r.server.world().tick(), tick);
  EXPECT_EQ(r.server.world().simulation().players().size(), 1u);
}

std::vector<protocol::Vec3i> cells(std::int32_t from, std::int32_t count) {
  std::vector<protocol::Vec3i> out;
  for (std::int32_t i = 0; i < count; ++i) out.push_back({from + i, 0, 0});
  return out;
}

TEST(ProtocolViolation, AnInterestUpdateOverTheCellLimitClosesTheConnection) {
  protocol::InterestUpdate first, second;
  first.view_distance = second.view_distance = 2;
  first.subscribe_cells = cells(0, 3000);
  second.subscribe_cells = cells(3000, 3000);  // 6,000 together: over the 4,096 a client may hold
  expect_closed_for({first, second}, "InterestUpdate refused: limit_exceeded");
}

TEST(ProtocolViolation, AMessageClientsDoNotSendClosesTheConnection) {
  protocol::ChunkUnload unload;  // the server's to send, never a client's
  unload.positions.push_back({0, 0, 0});
  expect_closed_for({unload}, "clients do not send ChunkUnload");
}

}  // namespace
}  // namespace theta_net::session
