#include "theta_net/transport/endpoint_thread.hpp"

#include "quic_test_util.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;

std::optional<Event> wait_for(EndpointThread& t, EventKind kind) {
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end) {
    auto e = t.wait_event(100ms);
    if (e && e->kind == kind) return e;
  }
  return std::nullopt;
}

TEST(EndpointThread, RunsAQuicServerAndClientOnTheirOwnThreads) {
  auto server_endpoint = std::move(QuicServer::create(server_config()).value());
  const QuicClientConfig cc = client_config(*server_endpoint);
  EndpointThread server(std::move(server_endpoint));
  EndpointThread client(std::move(QuicClient::create(cc).value()));
  auto connected = wait_for(client, EventKind::kConnected);
  ASSERT_TRUE(connected.has_value());
  ASSERT_TRUE(wait_for(server, EventKind::kConnected).has_value());
  // Sends from this thread while the I/O threads run.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(client.send(connected->conn, Lane::kChunks, pattern(2000, i)).ok());
  }
  EXPECT_FALSE(client.send(connected->conn, Lane::kInput, Bytes(kMaxDatagramMessage + 1)).ok());
  for (int i = 0; i < 100; ++i) {
    auto e = wait_for(server, EventKind::kMessage);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->payload, pattern(2000, i));
  }
  EXPECT_EQ(client.connections().size(), 1u);
  EXPECT_TRUE(client.stats(connected->conn).has_value());
  std::uint16_t port = 0;
  server.call([&](Endpoint& e) { port = static_cast<QuicServer&>(e).port(); });
  EXPECT_EQ(port, cc.port);
  client.close(connected->conn, 5, "done");
  auto gone = wait_for(server, EventKind::kDisconnected);
  ASSERT_TRUE(gone.has_value());
  EXPECT_EQ(gone->close.code, 5u);
}

// Through the Endpoint interface, as a session driver uses it: poll() waits for the I/O thread's
// events, and dial(), transport_kind() and stats() answer as the wrapped endpoint would.
TEST(EndpointThread, IsAnEndpoint) {
  auto server_endpoint = std::move(QuicServer::create(server_config()).value());
  const QuicClientConfig cc = client_config(*server_endpoint);
  EndpointThread server_thread(std::move(server_endpoint));
  EndpointThread client_thread(std::move(QuicClient::create(cc).value()), 1ms);
  Endpoint& client = client_thread;
  Endpoint& server = server_thread;

  std::optional<Event> connected;
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (!connected && std::chrono::steady_clock::now() < end) {
    client.poll(100ms);  // returns when the I/O thread has queued an event
    while (auto e = client.next_event()) {
      if (e->kind == EventKind::kConnected) connected = e;
    }
  }
  ASSERT_TRUE(connected.has_value());
  EXPECT_EQ(client.transport_kind(connected->conn), "quic");
  EXPECT_EQ(client.connections(), std::vector<ConnectionId>{connected->conn});
  const auto stats = client.stats(connected->conn);
  ASSERT_TRUE(stats.has_value());
  EXPECT_GT(stats->packets_received, 0u);
  EXPECT_TRUE(client.dial().ok());  // one is open: nothing to do, as QuicClient says
  const Status refused = server.dial();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kState);

  // With nothing to report, poll() waits; interrupt() ends a wait well before its timeout.
  while (client.next_event()) {
  }
  auto began = std::chrono::steady_clock::now();
  client.poll(50ms);
  EXPECT_GE(std::chrono::steady_clock::now() - began, 40ms) << "poll() did not wait";
  began = std::chrono::steady_clock::now();
  std::thread waker([&] {
    std::this_thread::sleep_for(20ms);
    client.interrupt();
  });
  client.poll(5s);
  waker.join();
  const auto waited = std::chrono::steady_clock::now() - began;
  EXPECT_GE(waited, 15ms);
  EXPECT_LT(waited, 2s);
  EXPECT_FALSE(client.next_event().has_value()) << "an event, not interrupt(), ended the wait";

  // A closed connection leaves connections() at once (a driver redials on that), and sends to
  // it are refused.
  client.close(connected->conn, 0, "done");
  EXPECT_TRUE(client.connections().empty());
  const Status late = client.send(connected->conn, Lane::kChunks, pattern(10, 1));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kClosed);
  auto gone = wait_for(client_thread, EventKind::kDisconnected);
  ASSERT_TRUE(gone.has_value());
  EXPECT_FALSE(client.stats(connected->conn).has_value());
  EXPECT_EQ(client.transport_kind(connected->conn), "");
}

}  // namespace
}  // namespace theta_net::transport
