// Real QUIC over loopback: handshake, every lane both ways, datagrams, many clients, limits.
#include <map>

#include "quic_test_util.hpp"
#include "theta_net/transport/close_code.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;

struct QuicPair {
  explicit QuicPair(QuicServerConfig sc = server_config(),
                    std::function<void(QuicClientConfig&)> tweak = {}) {
    server = std::move(QuicServer::create(sc).value());
    QuicClientConfig cc = client_config(*server);
    if (tweak) tweak(cc);
    client = std::move(QuicClient::create(cc).value());
    s.endpoint = server.get();
    c.endpoint = client.get();
  }
  bool connect() {
    return pump_until({&s, &c}, [&] {
      return s.count(EventKind::kConnected) == 1 && c.count(EventKind::kConnected) == 1;
    });
  }
  ConnectionId server_conn() const { return server->connections().at(0); }
  ConnectionId client_conn() const { return *client->current(); }

  std::unique_ptr<QuicServer> server;
  std::unique_ptr<QuicClient> client;
  Recorder s{nullptr, {}}, c{nullptr, {}};
};

TEST(Quic, ConnectsAndCarriesEveryLaneBothWays) {
  QuicPair p;
  ASSERT_TRUE(p.connect());
  // The client speaks first on control (stream 0); the server answers on every lane.
  for (Lane lane : kAllLanes) {
    ASSERT_TRUE(p.client->send(p.client_conn(), lane, pattern(100 + lane_index(lane), 1)).ok());
  }
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] { return p.s.messages().size() == kLaneCount; }));
  for (Lane lane : kAllLanes) {
    ASSERT_TRUE(p.server->send(p.server_conn(), lane, pattern(300 + lane_index(lane), 2)).ok());
  }
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] { return p.c.messages().size() == kLaneCount; }));
  std::map<Lane, Bytes> at_server, at_client;
  for (const Event& e : p.s.messages()) at_server[e.lane] = e.payload;
  for (const Event& e : p.c.messages()) at_client[e.lane] = e.payload;
  for (Lane lane : kAllLanes) {
    EXPECT_EQ(at_server[lane], pattern(100 + lane_index(lane), 1)) << lane_name(lane);
    EXPECT_EQ(at_client[lane], pattern(300 + lane_index(lane), 2)) << lane_name(lane);
  }
  const ConnectionStats st = *p.client->stats(p.client_conn());
  EXPECT_EQ(st.lanes[lane_index(Lane::kChat)].messages_received, 1u);
  EXPECT_EQ(st.lanes[lane_index(Lane::kChat)].bytes_sent, 105u);
  EXPECT_GT(st.rtt_smoothed.count(), 0);
  EXPECT_GT(st.congestion_window, 0u);
}

TEST(Quic, ReliableLanesKeepOrderAndAssetsCarryManyTransfers) {
  QuicPair p;
  ASSERT_TRUE(p.connect());
  for (std::uint32_t i = 0; i < 300; ++i) {
    ASSERT_TRUE(p.client->send(p.client_conn(), Lane::kChunks, pattern(1 + i * 97 % 5000, i)).ok());
  }
  for (std::uint32_t i = 0; i < 150; ++i) {  // more transfers than the initial stream limit
    ASSERT_TRUE(p.client->send(p.client_conn(), Lane::kAssets, pattern(3000, 1000 + i)).ok());
  }
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] { return p.s.messages().size() == 450; }))
      << p.s.messages().size();
  std::uint32_t chunk = 0, assets = 0;
  for (const Event& e : p.s.messages()) {
    if (e.lane == Lane::kChunks) {
      EXPECT_EQ(e.payload, pattern(1 + chunk * 97 % 5000, chunk));
      ++chunk;
    } else {
      ++assets;
    }
  }
  EXPECT_EQ(chunk, 300u);
  EXPECT_EQ(assets, 150u);
}

TEST(Quic, DatagramsBothWaysAndOversizeIsAnError) {
  QuicPair p;
  ASSERT_TRUE(p.connect());
  for (std::uint32_t i = 0; i < 50; ++i) {
    ASSERT_TRUE(
        p.client->send(p.client_conn(), Lane::kInput, pattern(kMaxDatagramMessage, i)).ok());
    ASSERT_TRUE(p.server->send(p.server_conn(), Lane::kEntities, pattern(32, i)).ok());
  }
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] {
    return p.s.messages().size() >= 45 && p.c.messages().size() >= 45;  // loopback rarely drops
  }));
  EXPECT_EQ(p.s.messages()[0].lane, Lane::kInput);
  EXPECT_EQ(p.s.messages()[0].payload.size(), kMaxDatagramMessage);
  EXPECT_EQ(p.c.messages()[0].lane, Lane::kEntities);
  auto too_big = p.client->send(p.client_conn(), Lane::kInput, Bytes(kMaxDatagramMessage + 1));
  EXPECT_EQ(too_big.error().code, ErrorCode::kInvalidArgument);
  // The connection still works after the refused send.
  ASSERT_TRUE(p.client->send(p.client_conn(), Lane::kChat, pattern(5, 5)).ok());
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] { return p.s.messages().back().lane == Lane::kChat; }));
}

TEST(Quic, ThirtyTwoClientsOnOneServer) {
  auto server = std::move(QuicServer::create(server_config()).value());
  Recorder s{server.get(), {}};
  std::vector<std::unique_ptr<QuicClient>> clients;
  std::vector<Recorder> recs;
  for (int i = 0; i < 32; ++i)
    clients.push_back(std::move(QuicClient::create(client_config(*server)).value()));
  for (auto& c : clients) recs.push_back(Recorder{c.get(), {}});
  std::vector<Recorder*> all{&s};
  for (auto& r : recs) all.push_back(&r);
  ASSERT_TRUE(pump_until(all, [&] { return server->connections().size() == 32; }));
  ASSERT_TRUE(pump_until(all, [&] {
    for (auto& c : clients)
      if (!c->current()) return false;
    return true;
  }));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i]
                    ->send(*clients[i]->current(), Lane::kControl,
                           pattern(64, static_cast<std::uint32_t>(i)))
                    .ok());
  }
  ASSERT_TRUE(pump_until(all, [&] { return s.messages().size() == 32; }));
  for (const Event& e : s.messages()) {  // echo to the sender
    ASSERT_TRUE(server->send(e.conn, Lane::kControl, e.payload).ok());
  }
  ASSERT_TRUE(pump_until(all, [&] {
    for (auto& r : recs)
      if (r.messages().size() != 1) return false;
    return true;
  }));
  for (std::size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(recs[i].messages()[0].payload, pattern(64, static_cast<std::uint32_t>(i)));
  }
  EXPECT_EQ(server->counters().accepted, 32u);
}

TEST(Quic, OversizedRecordClosesWithMessageTooLarge) {
  QuicServerConfig sc = server_config();
  sc.max_message_size = 1000;
  QuicPair p(sc, [](QuicClientConfig& c) { c.max_message_size = 5000; });
  ASSERT_TRUE(p.connect());
  ASSERT_TRUE(p.client->send(p.client_conn(), Lane::kChat, Bytes(2000)).ok());
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] { return p.c.count(EventKind::kDisconnected) == 1; }));
  const Event& e = p.c.events.back();
  EXPECT_EQ(e.close.kind, CloseInfo::Kind::kApplication);
  EXPECT_EQ(e.close.code, code_value(CloseCode::kMessageTooLarge));
  EXPECT_TRUE(e.close.by_peer);
  EXPECT_TRUE(p.s.messages().empty());
}

TEST(Quic, SessionLayerCanCloseWithAProtocolErrorAndTheClientStaysAway) {
  QuicPair p(server_config(), [](QuicClientConfig& c) {
    c.reconnect.enabled = true;
    c.reconnect.initial_delay = 10ms;
  });
  ASSERT_TRUE(p.connect());
  ASSERT_TRUE(p.client->send(p.client_conn(), Lane::kControl, Bytes{0xde, 0xad}).ok());
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] { return !p.s.messages().empty(); }));
  p.server->close(p.server_conn(), code_value(CloseCode::kProtocolError), "garbage first frame");
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] { return p.c.count(EventKind::kDisconnected) == 1; }));
  EXPECT_EQ(p.c.events.back().close.code, code_value(CloseCode::kProtocolError));
  EXPECT_EQ(p.c.events.back().close.reason, "garbage first frame");
  EXPECT_EQ(p.s.count(EventKind::kDisconnected), 1u);
  pump_until(
      {&p.s, &p.c}, [] { return false; }, 200ms);
  EXPECT_EQ(p.c.count(EventKind::kConnected), 1u);  // no reconnect after a protocol error
}

TEST(Quic, ClientCloseIsGracefulAndCarriesTheCode) {
  QuicPair p;
  ASSERT_TRUE(p.connect());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(p.client->send(p.client_conn(), Lane::kReplication, pattern(100000, i)).ok());
  }
  p.client->close(p.client_conn(), 77, "bye");
  EXPECT_TRUE(p.client->connections().empty());
  ASSERT_TRUE(pump_until({&p.s, &p.c}, [&] { return p.s.count(EventKind::kDisconnected) == 1; }));
  EXPECT_EQ(p.s.messages().size(), 20u);  // flushed before the close
  EXPECT_EQ(p.s.events.back().close.code, 77u);
  EXPECT_EQ(p.s.events.back().close.reason, "bye");
}

}  // namespace
}  // namespace theta_net::transport
