// TcpServer and TcpClient over real sockets on loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "endpoint_test_util.hpp"
#include "theta_net/core/varint.hpp"
#include "theta_net/transport/close_code.hpp"
#include "theta_net/transport/tcp_client.hpp"
#include "theta_net/transport/tcp_server.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;

std::unique_ptr<TcpServer> make_server(TcpServerConfig config = {}) {
  auto server = TcpServer::create(std::move(config));
  EXPECT_TRUE(server.ok()) << server.error().describe();
  return std::move(*server);
}

std::unique_ptr<TcpClient> make_client(const TcpServer& server, TcpClientConfig config = {}) {
  config.port = server.port();
  auto client = TcpClient::create(std::move(config));
  EXPECT_TRUE(client.ok()) << client.error().describe();
  return std::move(*client);
}

// A server and one connected client.
struct Session {
  Session() : server(make_server()), client(make_client(*server)) {
    EXPECT_TRUE(pump_until({&s, &c}, [&] {
      return s.count(EventKind::kConnected) == 1 && c.count(EventKind::kConnected) == 1;
    }));
    client_conn = c.events.at(0).conn;
    server_conn = s.events.at(0).conn;
  }
  std::unique_ptr<TcpServer> server;
  std::unique_ptr<TcpClient> client;
  Recorder s{server.get(), {}};
  Recorder c{client.get(), {}};
  ConnectionId client_conn, server_conn;
};

TEST(Tcp, EveryLaneCarriesMessagesBothWays) {
  Session t;
  EXPECT_EQ(t.client->current(), t.client_conn);
  EXPECT_EQ(t.server->connections(), std::vector<ConnectionId>{t.server_conn});
  for (Lane lane : kAllLanes) {
    ASSERT_TRUE(t.client->send(t.client_conn, lane, pattern(100, lane_index(lane))).ok());
    ASSERT_TRUE(t.server->send(t.server_conn, lane, pattern(200, lane_index(lane))).ok());
  }
  ASSERT_TRUE(pump_until({&t.s, &t.c}, [&] {
    return t.s.messages().size() == kLaneCount && t.c.messages().size() == kLaneCount;
  }));
  for (std::size_t i = 0; i < kLaneCount; ++i) {
    EXPECT_EQ(t.s.messages()[i].lane, kAllLanes[i]);
    EXPECT_EQ(t.s.messages()[i].payload, pattern(100, i));
    EXPECT_EQ(t.c.messages()[i].payload, pattern(200, i));
  }
  const auto stats = t.server->stats(t.server_conn);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->lanes[lane_index(Lane::kEntities)].messages_sent, 1u);
  EXPECT_GT(stats->bytes_received, 800u);
}

TEST(Tcp, ALargeMessageArrivesWhole) {
  Session t;
  const Bytes big = pattern(3u << 20, 9);
  ASSERT_TRUE(t.client->send(t.client_conn, Lane::kReplication, big).ok());
  ASSERT_TRUE(pump_until({&t.s, &t.c}, [&] { return t.s.messages().size() == 1; }));
  EXPECT_EQ(t.s.messages()[0].payload, big);
}

TEST(Tcp, ACloseReachesThePeerWithItsCodeAndReason) {
  Session t;
  ASSERT_TRUE(t.server->send(t.server_conn, Lane::kControl, pattern(10, 1)).ok());
  t.server->close(t.server_conn, code_value(CloseCode::kKicked), "kicked: test");
  EXPECT_EQ(t.server->send(t.server_conn, Lane::kControl, pattern(1, 1)).error().code,
            ErrorCode::kClosed);
  ASSERT_TRUE(pump_until({&t.s, &t.c}, [&] { return t.c.count(EventKind::kDisconnected) == 1; }));
  ASSERT_EQ(t.c.messages().size(), 1u);  // sent before the close, so delivered before it
  const Event& end = t.c.events.back();
  EXPECT_EQ(end.close.code, code_value(CloseCode::kKicked));
  EXPECT_EQ(end.close.reason, "kicked: test");
  EXPECT_TRUE(end.close.by_peer);
  EXPECT_EQ(t.s.count(EventKind::kDisconnected), 1u);
  EXPECT_FALSE(t.client->current());
  // Both sides let go of the socket once the close handshake is done.
  ASSERT_TRUE(pump_until({&t.s, &t.c}, [&] { return !t.server->stats(t.server_conn); }));
}

TEST(Tcp, AnAttemptWithoutAServerFailsAndDialTriesAgain) {
  std::uint16_t port = 0;
  {
    auto probe = make_server();
    port = probe->port();
  }  // nothing listens there now
  TcpClientConfig config;
  config.port = port;
  auto client = TcpClient::create(config);
  ASSERT_TRUE(client.ok());
  Recorder c{client->get(), {}};
  ASSERT_TRUE(pump_until({&c}, [&] { return c.count(EventKind::kDisconnected) == 1; }));
  EXPECT_EQ(c.count(EventKind::kConnected), 0u);
  EXPECT_EQ((*client)->failed_attempts(), 1u);
  // A server comes up on that port; dial() reaches it with a new connection id.
  TcpServerConfig server_config;
  server_config.port = port;
  auto server = make_server(server_config);
  Recorder s{server.get(), {}};
  ASSERT_TRUE((*client)->dial().ok());
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kConnected) == 1; }));
  EXPECT_NE(c.events.back().conn, c.events.front().conn);
  EXPECT_EQ((*client)->failed_attempts(), 0u);
  // While a connection is open, dial() leaves it alone.
  ASSERT_TRUE((*client)->dial().ok());
  EXPECT_EQ((*client)->current(), c.events.back().conn);
}

// A raw socket speaking something else: the server refuses it and keeps serving the others.
TEST(Tcp, GarbageFromOnePeerDoesNotDisturbTheOthers) {
  Session t;
  const int raw = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(raw, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(t.server->port());
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(raw, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  bool sent = false;
  // The server answers a stranger with its preface and a close record, then ends the stream.
  ASSERT_TRUE(pump_until({&t.s}, [&] {
    if (!sent) sent = ::send(raw, request.data(), request.size(), MSG_NOSIGNAL) > 0;
    char buf[4096];
    return ::recv(raw, buf, sizeof buf, 0) == 0;
  }));
  ::close(raw);
  EXPECT_EQ(t.s.count(EventKind::kConnected), 1u);  // the stranger never counted as connected
  EXPECT_EQ(t.s.count(EventKind::kDisconnected), 0u);
  ASSERT_TRUE(t.client->send(t.client_conn, Lane::kChat, pattern(5, 5)).ok());
  ASSERT_TRUE(pump_until({&t.s, &t.c}, [&] { return t.s.messages().size() == 1; }));
}

TEST(Tcp, AnOversizedRecordClosesTheSenderWithMessageTooLarge) {
  TcpServerConfig server_config;
  server_config.link.max_message_size = 1024;
  auto server = make_server(server_config);
  auto client = make_client(*server);
  Recorder s{server.get(), {}};
  Recorder c{client.get(), {}};
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kConnected) == 1; }));
  // The client allows more than the server accepts.
  ASSERT_TRUE(client->send(c.events[0].conn, Lane::kChat, pattern(4096, 1)).ok());
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kDisconnected) == 1; }));
  EXPECT_EQ(c.events.back().close.code, code_value(CloseCode::kMessageTooLarge));
  EXPECT_TRUE(c.events.back().close.by_peer);
  EXPECT_TRUE(s.messages().empty());
}

TEST(Tcp, EightClientsAreServedAtOnce) {
  auto server = make_server();
  Recorder s{server.get(), {}};
  std::vector<std::unique_ptr<TcpClient>> clients;
  std::vector<Recorder> recorders;
  for (int i = 0; i < 8; ++i) clients.push_back(make_client(*server));
  for (auto& cl : clients) recorders.push_back(Recorder{cl.get(), {}});
  std::vector<Recorder*> all{&s};
  for (auto& r : recorders) all.push_back(&r);
  ASSERT_TRUE(pump_until(all, [&] { return s.count(EventKind::kConnected) == 8; }));
  ASSERT_TRUE(pump_until(all, [&] {
    for (auto& r : recorders) {
      if (r.count(EventKind::kConnected) != 1) return false;
    }
    return true;
  }));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(
        clients[i]->send(recorders[i].events[0].conn, Lane::kInput, pattern(64, i + 1)).ok());
  }
  ASSERT_TRUE(pump_until(all, [&] { return s.messages().size() == 8; }));
  for (ConnectionId conn : server->connections()) {
    ASSERT_TRUE(server->send(conn, Lane::kEntities, pattern(32, 0)).ok());
  }
  ASSERT_TRUE(pump_until(all, [&] {
    for (auto& r : recorders) {
      if (r.messages().size() != 1) return false;
    }
    return true;
  }));
}

TEST(Tcp, AServerGoingAwayTellsItsClientsShutdown) {
  auto server = make_server();
  auto client = make_client(*server);
  Recorder s{server.get(), {}};
  Recorder c{client.get(), {}};
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return s.count(EventKind::kConnected) == 1; }));
  server.reset();
  ASSERT_TRUE(pump_until({&c}, [&] { return c.count(EventKind::kDisconnected) == 1; }));
  EXPECT_EQ(c.events.back().close.code, code_value(CloseCode::kShutdown));
  EXPECT_TRUE(close_code_allows_reconnect(c.events.back().close.code));
}

TEST(Tcp, PingsGiveTheConnectionAnRtt) {
  TcpServerConfig server_config;
  server_config.link.ping_interval = 20ms;
  auto server = make_server(server_config);
  auto client = make_client(*server);
  Recorder s{server.get(), {}};
  Recorder c{client.get(), {}};
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return s.count(EventKind::kConnected) == 1; }));
  const ConnectionId conn = s.events[0].conn;
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return server->stats(conn)->rtt_smoothed > 0ns; }));
  EXPECT_LT(server->stats(conn)->rtt_smoothed, 1s);
}

}  // namespace
}  // namespace theta_net::transport

namespace theta_net::transport {
namespace {

using namespace testing;

// The same endpoints with WebSocket framing: what browsers and WebSocket clients connect to.
TEST(TcpWebSocket, LanesCloseCodesAndRefusalsOverRealSockets) {
  TcpServerConfig server_config;
  server_config.framing = StreamFraming::kWebSocket;
  server_config.websocket.policy.path = "/theta";
  auto made_server = TcpServer::create(server_config);
  ASSERT_TRUE(made_server.ok());
  auto& server = *made_server;
  TcpClientConfig client_config;
  client_config.port = server->port();
  client_config.framing = StreamFraming::kWebSocket;
  client_config.websocket.path = "/theta";
  auto made_client = TcpClient::create(client_config);
  ASSERT_TRUE(made_client.ok());
  auto& client = *made_client;
  Recorder s{server.get(), {}};
  Recorder c{client.get(), {}};
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kConnected) == 1; }));
  const ConnectionId conn = c.events[0].conn;
  for (Lane lane : kAllLanes) {
    ASSERT_TRUE(client->send(conn, lane, pattern(300, lane_index(lane))).ok());
  }
  ASSERT_TRUE(client->send(conn, Lane::kAssets, pattern(2u << 20, 99)).ok());
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return s.messages().size() == kLaneCount + 1; }));
  for (std::size_t i = 0; i < kLaneCount; ++i) EXPECT_EQ(s.messages()[i].payload, pattern(300, i));
  EXPECT_EQ(s.messages().back().payload, pattern(2u << 20, 99));
  server->close(s.events[0].conn, code_value(CloseCode::kKicked), "kicked: test");
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kDisconnected) == 1; }));
  EXPECT_EQ(c.events.back().close.code, code_value(CloseCode::kKicked));
  EXPECT_EQ(c.events.back().close.reason, "kicked: test");
  // A client asking for another path is refused by the upgrade, and says so.
  TcpClientConfig lost = client_config;
  lost.websocket.path = "/nowhere";
  auto made_lost = TcpClient::create(lost);
  ASSERT_TRUE(made_lost.ok());
  Recorder l{made_lost->get(), {}};
  ASSERT_TRUE(pump_until({&s, &l}, [&] { return l.count(EventKind::kDisconnected) == 1; }));
  EXPECT_EQ(l.events.back().close.code, code_value(CloseCode::kHandshakeRejected));
  EXPECT_NE(l.events.back().close.reason.find("404"), std::string::npos);
}

}  // namespace
}  // namespace theta_net::transport

namespace theta_net::transport {
namespace {

using namespace testing;

// Host migration's part here: redirect() sends the next dial() to another server.
TEST(Tcp, RedirectSendsTheNextDialElsewhere) {
  for (StreamFraming framing : {StreamFraming::kRecords, StreamFraming::kWebSocket}) {
    TcpServerConfig server_config;
    server_config.framing = framing;
    auto first = TcpServer::create(server_config);
    auto second = TcpServer::create(server_config);
    ASSERT_TRUE(first.ok() && second.ok());
    TcpClientConfig client_config;
    client_config.port = (*first)->port();
    client_config.framing = framing;
    auto client = TcpClient::create(client_config);
    ASSERT_TRUE(client.ok());
    Recorder a{first->get(), {}};
    Recorder b{second->get(), {}};
    Recorder c{client->get(), {}};
    ASSERT_TRUE(pump_until({&a, &b, &c}, [&] { return c.count(EventKind::kConnected) == 1; }));
    ASSERT_TRUE((*client)->redirect(str_cat("127.0.0.1:", (*second)->port())).ok());
    ASSERT_TRUE(pump_until({&a, &b, &c}, [&] { return c.count(EventKind::kDisconnected) == 1; }));
    ASSERT_TRUE((*client)->dial().ok());
    ASSERT_TRUE(pump_until({&a, &b, &c}, [&] { return b.count(EventKind::kConnected) == 1; }));
    EXPECT_EQ(a.count(EventKind::kConnected), 1u);
    EXPECT_EQ((*client)->redirect("nowhere").error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace theta_net::transport

namespace theta_net::transport {
namespace {

using namespace testing;

// TLS under both framings: theta/1 records over TLS, and wss://.
TEST(TcpTls, BothFramingsCarryLanesOverTlsAndAWrongPinIsRefused) {
  for (StreamFraming framing : {StreamFraming::kRecords, StreamFraming::kWebSocket}) {
    TcpServerConfig server_config;
    server_config.framing = framing;
    server_config.tls = true;
    auto made_server = TcpServer::create(server_config);
    ASSERT_TRUE(made_server.ok()) << made_server.error().describe();
    auto& server = *made_server;
    ASSERT_EQ(server->certificate_sha256().size(), 64u);
    TcpClientConfig client_config;
    client_config.port = server->port();
    client_config.framing = framing;
    client_config.tls = true;
    client_config.pinned_sha256 = server->certificate_sha256();
    auto made_client = TcpClient::create(client_config);
    ASSERT_TRUE(made_client.ok());
    auto& client = *made_client;
    Recorder s{server.get(), {}};
    Recorder c{client.get(), {}};
    ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kConnected) == 1; }));
    const ConnectionId conn = c.events[0].conn;
    // The datagram first: behind a megabyte of backlog it would be dropped as stale (by design).
    ASSERT_TRUE(client->send(conn, Lane::kInput, pattern(100, 4)).ok());
    ASSERT_TRUE(client->send(conn, Lane::kReplication, pattern(1u << 20, 3)).ok());
    ASSERT_TRUE(pump_until({&s, &c}, [&] { return s.messages().size() == 2; }));
    EXPECT_EQ(s.messages()[0].payload, pattern(100, 4));
    EXPECT_EQ(s.messages()[1].payload, pattern(1u << 20, 3));
    ASSERT_TRUE(server->send(s.events[0].conn, Lane::kEntities, pattern(50, 5)).ok());
    ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.messages().size() == 1; }));
    EXPECT_EQ(c.messages()[0].payload, pattern(50, 5));

    // A client pinned to another certificate never opens, and says why.
    TcpClientConfig wrong = client_config;
    wrong.pinned_sha256 = std::string(64, 'a');
    auto made_wrong = TcpClient::create(wrong);
    ASSERT_TRUE(made_wrong.ok());
    Recorder w{made_wrong->get(), {}};
    ASSERT_TRUE(pump_until({&s, &w}, [&] { return w.count(EventKind::kDisconnected) == 1; }));
    EXPECT_EQ(w.count(EventKind::kConnected), 0u);
    EXPECT_NE(w.events.back().close.reason.find("pinned"), std::string::npos)
        << w.events.back().close.reason;
    // A client without TLS gets nowhere, and the others are still served.
    TcpClientConfig plain = client_config;
    plain.tls = false;
    plain.pinned_sha256.clear();
    plain.link.idle_timeout = std::chrono::seconds(1);
    auto made_plain = TcpClient::create(plain);
    ASSERT_TRUE(made_plain.ok());
    Recorder p{made_plain->get(), {}};
    ASSERT_TRUE(pump_until({&s, &p}, [&] {
      return p.count(EventKind::kDisconnected) + p.count(EventKind::kTimedOut) == 1;
    }));
    EXPECT_EQ(p.count(EventKind::kConnected), 0u);
    ASSERT_TRUE(client->send(conn, Lane::kChat, pattern(8, 6)).ok());
    ASSERT_TRUE(pump_until({&s, &c}, [&] { return s.messages().size() == 3; }));
  }
  TcpClientConfig bad;
  bad.pinned_sha256 = "not hex";
  EXPECT_EQ(TcpClient::create(bad).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace theta_net::transport
