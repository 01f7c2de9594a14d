// TcpRelay between a real TcpServer and TcpClient on loopback: latency, loss shown as delay,
// order kept, partitions held back.
#include "theta_net/transport/tcp_relay.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "endpoint_test_util.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/transport/tcp_client.hpp"
#include "theta_net/transport/tcp_server.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;

struct Relayed {
  explicit Relayed(LinkConfig impairment) {
    auto made_server = TcpServer::create({});
    server = std::move(*made_server);
    RelayConfig rc;
    rc.forward = str_cat("127.0.0.1:", server->port());
    rc.impairment = std::move(impairment);
    rc.seed = 5;
    auto made_relay = TcpRelay::create(rc);
    relay = std::move(*made_relay);
    thread = std::thread([this] { relay->run(); });
    TcpClientConfig cc;
    cc.port = relay->port();
    auto made_client = TcpClient::create(cc);
    client = std::move(*made_client);
    s.endpoint = server.get();
    c.endpoint = client.get();
    EXPECT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kConnected) == 1; }));
    client_conn = c.events.at(0).conn;
  }
  ~Relayed() {
    relay->stop();
    thread.join();
  }
  std::unique_ptr<TcpServer> server;
  std::unique_ptr<TcpRelay> relay;
  std::thread thread;
  std::unique_ptr<TcpClient> client;
  Recorder s{nullptr, {}};
  Recorder c{nullptr, {}};
  ConnectionId client_conn;
};

TEST(TcpRelay, AddsItsLatencyToEachDirection) {
  LinkConfig link;
  link.latency = 40ms;
  Relayed r(link);
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(r.client->send(r.client_conn, Lane::kInput, pattern(10, 1)).ok());
  ASSERT_TRUE(pump_until({&r.s, &r.c}, [&] { return r.s.messages().size() == 1; }));
  const auto one_way = std::chrono::steady_clock::now() - sent;
  EXPECT_GE(one_way, 40ms);
  EXPECT_LT(one_way, 2s);
}

TEST(TcpRelay, LossBecomesDelayAndNothingIsLostOrReordered) {
  LinkConfig link;
  link.latency = 2ms;
  link.loss = 0.2;
  Relayed r(link);
  for (std::uint32_t i = 0; i < 50; ++i) {
    ASSERT_TRUE(r.client->send(r.client_conn, Lane::kChunks, pattern(2000, i)).ok());
    r.c.pump(0ns);
  }
  ASSERT_TRUE(pump_until({&r.s, &r.c}, [&] { return r.s.messages().size() == 50; }));
  for (std::uint32_t i = 0; i < 50; ++i) EXPECT_EQ(r.s.messages()[i].payload, pattern(2000, i));
  EXPECT_GT(r.relay->counters().dropped, 0u);  // segments that were retransmitted late
}

TEST(TcpRelay, APartitionHoldsTheStreamUntilItEnds) {
  LinkConfig link;
  link.partitions.push_back(Partition{0ns, 300ms});
  const auto start = std::chrono::steady_clock::now();
  Relayed r(link);  // the prefaces themselves wait out the partition
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  ASSERT_TRUE(r.client->send(r.client_conn, Lane::kChat, pattern(10, 3)).ok());
  ASSERT_TRUE(pump_until({&r.s, &r.c}, [&] { return r.s.messages().size() == 1; }));
}

}  // namespace
}  // namespace theta_net::transport
