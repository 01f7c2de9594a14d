// MultiEndpoint: a QUIC server and a TCP server (records and WebSocket told apart by the first
// byte) behind one Endpoint, with a client of each kind on loopback.
#include "theta_net/transport/multi_endpoint.hpp"

#include <gtest/gtest.h>

#include <set>

#include "quic_test_util.hpp"
#include "theta_net/transport/close_code.hpp"
#include "theta_net/transport/tcp_client.hpp"
#include "theta_net/transport/tcp_server.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;

TEST(MultiEndpoint, ServesQuicTcpAndWebSocketClientsAsOne) {
  auto quic = QuicServer::create(server_config());
  ASSERT_TRUE(quic.ok());
  const std::uint16_t quic_port = (*quic)->port();
  TcpServerConfig tcp_config;
  tcp_config.framing = StreamFraming::kDetect;
  auto tcp = TcpServer::create(tcp_config);
  ASSERT_TRUE(tcp.ok());
  const std::uint16_t tcp_port = (*tcp)->port();
  std::vector<std::unique_ptr<Endpoint>> members;
  members.push_back(std::move(*quic));
  members.push_back(std::move(*tcp));
  auto multi = MultiEndpoint::create(std::move(members));
  ASSERT_TRUE(multi.ok());
  MultiEndpoint& server = **multi;

  QuicClientConfig qc;
  qc.port = quic_port;
  qc.reconnect.enabled = false;
  auto quic_client = QuicClient::create(qc);
  TcpClientConfig records;
  records.port = tcp_port;
  auto tcp_client = TcpClient::create(records);
  TcpClientConfig websocket = records;
  websocket.framing = StreamFraming::kWebSocket;
  auto ws_client = TcpClient::create(websocket);
  ASSERT_TRUE(quic_client.ok() && tcp_client.ok() && ws_client.ok());
  Recorder s{&server, {}};
  std::vector<Recorder> clients{
      {quic_client->get(), {}}, {tcp_client->get(), {}}, {ws_client->get(), {}}};
  std::vector<Recorder*> all{&s, &clients[0], &clients[1], &clients[2]};
  ASSERT_TRUE(pump_until(all, [&] { return s.count(EventKind::kConnected) == 3; }));
  ASSERT_TRUE(pump_until(all, [&] {
    return std::all_of(clients.begin(), clients.end(),
                       [](const Recorder& r) { return r.count(EventKind::kConnected) == 1; });
  }));
  const auto conns = server.connections();
  ASSERT_EQ(conns.size(), 3u);
  EXPECT_EQ(std::set<ConnectionId>(conns.begin(), conns.end()).size(), 3u);
  std::set<std::size_t> members_seen;
  for (ConnectionId c : conns) members_seen.insert(*server.member_of(c));
  EXPECT_EQ(members_seen, (std::set<std::size_t>{0, 1}));
  // Each client says who it is; the server answers each on its own connection.
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const ConnectionId c = clients[i].events[0].conn;
    ASSERT_TRUE(clients[i].endpoint->send(c, Lane::kChat, pattern(16, i)).ok());
  }
  ASSERT_TRUE(pump_until(all, [&] { return s.messages().size() == 3; }));
  for (const Event& m : s.messages()) {
    ASSERT_TRUE(server.send(m.conn, Lane::kEntities, m.payload).ok());
  }
  ASSERT_TRUE(pump_until(all, [&] {
    return std::all_of(clients.begin(), clients.end(),
                       [](const Recorder& r) { return r.messages().size() == 1; });
  }));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    EXPECT_EQ(clients[i].messages()[0].payload, pattern(16, i)) << "client " << i;
  }
  // A close reaches the right client, and its id is not reused.
  const ConnectionId ws_conn = s.messages()[2].conn;
  const Bytes ws_said = s.messages()[2].payload;
  server.close(ws_conn, code_value(CloseCode::kKicked), "kicked");
  ASSERT_TRUE(pump_until(all, [&] {
    return std::any_of(clients.begin(), clients.end(),
                       [](const Recorder& r) { return r.count(EventKind::kDisconnected) == 1; });
  }));
  const std::size_t kicked = ws_said == pattern(16, 2) ? 2 : ws_said == pattern(16, 1) ? 1 : 0;
  EXPECT_EQ(clients[kicked].count(EventKind::kDisconnected), 1u);
  EXPECT_EQ(server.connections().size(), 2u);
  EXPECT_FALSE(server.stats(ws_conn));
}

}  // namespace
}  // namespace theta_net::transport
