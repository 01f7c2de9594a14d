// SessionHost and SessionClient, driven by a ServerDriver and ClientDrivers, over SimNet
// (deterministic, virtual time) and over real QUIC.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/driver_clock.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
using namespace protocol;
using transport::SimEndpoint;
using transport::SimNet;

Ed25519KeyPair key(std::uint64_t seed) {
  Rng rng(seed);
  return Ed25519KeyPair::from_rng(rng);
}

struct SimWorld {
  explicit SimWorld(
      transport::LinkConfig link = transport::link_preset(transport::LinkPreset::kGood))
      : net(9), server_endpoint(net.add_endpoint("server")), link_config(std::move(link)) {
    host = std::make_unique<SessionHost>(SessionHostConfig{}, key(1), Rng(2));
    host_driver = std::make_unique<ServerDriver>(server_endpoint, *host);
  }
  SessionClient& add_client(SessionClientConfig config = {}) {
    SimEndpoint& endpoint = net.add_endpoint("client" + std::to_string(clients.size()));
    net.set_links(server_endpoint, endpoint, link_config);
    endpoint.connect(server_endpoint);
    client_endpoints.push_back(&endpoint);
    clients.push_back(std::make_unique<SessionClient>(config, key(100 + clients.size()),
                                                      Rng(200 + clients.size())));
    client_drivers.push_back(std::make_unique<ClientDriver>(endpoint, *clients.back()));
    return *clients.back();
  }
  // Runs the network and every driver in 10 ms steps.
  void run(std::chrono::milliseconds duration) {
    for (auto t = 0ms; t < duration; t += 10ms) {
      net.advance_by(10ms);
      const Micros now = to_micros(net.now());
      host->set_server_tick(tick++);
      host_driver->step(now);
      for (auto& driver : client_drivers) driver->step(now);
    }
  }
  std::vector<HostEvent> host_events() {
    std::vector<HostEvent> out;
    while (auto e = host->next_event()) out.push_back(std::move(*e));
    return out;
  }

  SimNet net;
  SimEndpoint& server_endpoint;
  transport::LinkConfig link_config;
  std::unique_ptr<SessionHost> host;
  std::unique_ptr<ServerDriver> host_driver;
  std::vector<SimEndpoint*> client_endpoints;
  std::vector<std::unique_ptr<SessionClient>> clients;
  std::vector<std::unique_ptr<ClientDriver>> client_drivers;
  std::uint32_t tick = 0;
};

std::vector<ClientEvent> drain(SessionClient& client) {
  std::vector<ClientEvent> out;
  while (auto e = client.next_event()) out.push_back(std::move(*e));
  return out;
}

TEST(SessionOverSimNet, TwoClientsEstablishExchangeMessagesAndMeasureRtt) {
  SimWorld world;
  SessionClient& a = world.add_client();
  SessionClient& b = world.add_client();
  world.run(1000ms);
  ASSERT_EQ(a.state(), SessionState::kEstablished);
  ASSERT_EQ(b.state(), SessionState::kEstablished);
  EXPECT_NE(a.session()->session_id, b.session()->session_id);
  auto events = world.host_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, HostEvent::Kind::kSessionStarted);

  ChatMessage hello_all;
  hello_all.sender = a.session()->session_id;
  hello_all.text = "hi";
  ASSERT_TRUE(a.send(hello_all).ok());
  world.run(500ms);
  auto from_a = world.host_events();
  ASSERT_EQ(from_a.size(), 1u);
  ASSERT_TRUE(from_a[0].message.has_value());
  EXPECT_EQ(std::get<ChatMessage>(*from_a[0].message).text, "hi");
  EXPECT_EQ(from_a[0].session_id, a.session()->session_id);
  // And back to b through the host.
  ASSERT_TRUE(world.host->send(world.host->sessions()[1], hello_all).ok());
  world.run(500ms);
  auto at_b = drain(b);
  ASSERT_FALSE(at_b.empty());
  EXPECT_EQ(at_b.back().kind, ClientEvent::Kind::kMessage);
  // Heartbeats measured the 40 ms round trip of the "good" preset (+- jitter, + 10 ms steps).
  world.run(3000ms);
  EXPECT_GT(a.rtt(), 30ms);
  EXPECT_LT(a.rtt(), 80ms);
  EXPECT_GT(world.host->counters().pings_answered, 4u);
}

TEST(SessionOverSimNet, SchemaMismatchIsRejectedWithItsReasonAndNotRetried) {
  SimWorld world;
  SessionClientConfig config;
  config.handshake.schema.hash_by_minor.back() ^= 1;
  SessionClient& client = world.add_client(config);
  world.run(1000ms);
  EXPECT_EQ(client.state(), SessionState::kRejected);
  auto events = drain(client);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().kind, ClientEvent::Kind::kRejected);
  EXPECT_NE(events.front().detail.find("schema_mismatch"), std::string::npos)
      << events.front().detail;
  EXPECT_EQ(world.host->counters().rejected, 1u);
  EXPECT_TRUE(world.host->sessions().empty());
}

TEST(SessionOverSimNet, GarbageFirstFrameClosesThatConnectionOnly) {
  SimWorld world;
  SessionClient& good = world.add_client();
  // A raw endpoint that sends garbage instead of a hello.
  SimEndpoint& rogue = world.net.add_endpoint("rogue");
  world.net.set_links(world.server_endpoint, rogue, world.link_config);
  const auto rogue_conn = rogue.connect(world.server_endpoint);
  world.run(300ms);
  const Bytes garbage = {'G', 'E', 'T', ' ', '/'};
  ASSERT_TRUE(rogue.send(rogue_conn, transport::Lane::kControl, garbage).ok());
  world.run(1000ms);
  bool closed_with_protocol_error = false;
  rogue.poll(0ns);
  while (auto e = rogue.next_event()) {
    if (e->kind == transport::EventKind::kDisconnected) {
      closed_with_protocol_error =
          e->close.code == static_cast<std::uint64_t>(CloseCode::kProtocolError);
      EXPECT_NE(e->close.reason.find("not a theta frame"), std::string::npos) << e->close.reason;
    }
  }
  EXPECT_TRUE(closed_with_protocol_error);
  EXPECT_EQ(good.state(), SessionState::kEstablished);
  EXPECT_EQ(world.host->counters().protocol_errors, 1u);
  // The good client still talks to the host.
  ChatMessage chat;
  chat.text = "still here";
  ASSERT_TRUE(good.send(chat).ok());
  world.run(500ms);
  bool heard = false;
  for (auto& e : world.host_events())
    heard |= e.message && std::holds_alternative<ChatMessage>(*e.message);
  EXPECT_TRUE(heard);
}

TEST(SessionOverSimNet, SilentConnectionsAreClosedAfterTheHelloTimeout) {
  SimWorld world;
  SimEndpoint& silent = world.net.add_endpoint("silent");
  world.net.set_links(world.server_endpoint, silent, world.link_config);
  silent.connect(world.server_endpoint);
  world.run(6000ms);
  EXPECT_EQ(world.host->counters().protocol_errors, 1u);
  auto events = world.host_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].detail.find("no SessionHello within 5000 ms"), std::string::npos);
}

TEST(SessionOverSimNet, ADroppedClientResumesItsSession) {
  SimWorld world;
  SessionClient& client = world.add_client();
  world.run(1000ms);
  ASSERT_EQ(client.state(), SessionState::kEstablished);
  const std::uint64_t id = client.session()->session_id;
  // The transport connection ends (the client's endpoint closes it); the client's driver dials
  // a new one after its reconnection pause (500 ms).
  world.client_endpoints[0]->close(*client.connection(), 0, "switching networks");
  world.run(500ms);
  EXPECT_EQ(client.state(), SessionState::kConnecting);
  world.run(1000ms);
  EXPECT_EQ(world.client_drivers[0]->counters().reconnects, 1u);
  ASSERT_EQ(client.state(), SessionState::kEstablished);
  EXPECT_TRUE(client.session()->resumed);
  EXPECT_EQ(client.session()->session_id, id);
}

TEST(SessionOverSimNet, SameSeedsGiveTheSameTrace) {
  auto run_once = [] {
    SimWorld world(transport::link_preset(transport::LinkPreset::kPoor));
    world.net.keep_trace();
    SessionClient& a = world.add_client();
    world.run(2000ms);
    ChatMessage chat;
    chat.text = "determinism";
    if (a.state() == SessionState::kEstablished) (void)a.send(chat);
    world.run(2000ms);
    return world.net.trace_text();
  };
  const std::string first = run_once();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, run_once());
}

TEST(SessionOverQuic, HandshakeHeartbeatsAndMessagesOnLoopback) {
  auto server = transport::QuicServer::create({});
  ASSERT_TRUE(server.ok()) << server.error().describe();
  transport::QuicClientConfig client_config;
  client_config.port = (*server)->port();
  auto client_endpoint = transport::QuicClient::create(client_config);
  ASSERT_TRUE(client_endpoint.ok()) << client_endpoint.error().describe();
  SessionHost host({}, key(1), Rng(2));
  SessionClient client({}, key(3), Rng(4));
  ServerDriver host_driver(**server, host);
  ClientDriver client_driver(**client_endpoint, client);
  const DriverClock clock;
  bool chat_seen = false;
  for (int i = 0; i < 400 && !(client.state() == SessionState::kEstablished && chat_seen &&
                               client.rtt() > 0us);
       ++i) {
    host_driver.wait(clock.now(), 1ms);
    host_driver.step(clock.now());
    client_driver.wait(1ms);
    client_driver.step(clock.now());
    if (client.state() == SessionState::kEstablished && i % 50 == 0) {
      ChatMessage chat;
      chat.text = "over quic";
      ASSERT_TRUE(client.send(chat).ok());
    }
    while (auto e = host.next_event())
      chat_seen |= e->message && std::holds_alternative<ChatMessage>(*e->message);
  }
  EXPECT_EQ(client.state(), SessionState::kEstablished);
  EXPECT_TRUE(chat_seen);
  EXPECT_GT(client.rtt(), 0us);
  EXPECT_LT(client.rtt(), 200ms);
  EXPECT_EQ(host.counters().accepted, 1u);
}

}  // namespace
}  // namespace theta_net::session
