#include "theta_net/transport/sim_net.hpp"

#include <gtest/gtest.h>

#include <map>

namespace theta_net::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<Event> drain(SimEndpoint& e) {
  std::vector<Event> out;
  e.poll(Nanos(0));
  while (auto ev = e.next_event()) out.push_back(std::move(*ev));
  return out;
}

struct Pair {
  explicit Pair(std::uint64_t seed, LinkConfig link = {}, SimEndpointConfig cfg = {})
      : net(seed),
        server(net.add_endpoint("server", cfg)),
        client(net.add_endpoint("client", cfg)) {
    net.set_links(server, client, link);
    client_conn = client.connect(server);
  }
  // Advances in 1 ms steps until both sides are connected (or a bound passes).
  void connect() {
    for (int i = 0; i < 60000 && (server.connections().empty() || client.connections().empty());
         ++i) {
      net.advance_by(milliseconds(1));
    }
    ASSERT_FALSE(server.connections().empty());
    ASSERT_FALSE(client.connections().empty());
    server_conn = server.connections().front();
  }
  SimNet net;
  SimEndpoint& server;
  SimEndpoint& client;
  ConnectionId client_conn, server_conn;
};

Bytes message(std::size_t size, std::uint8_t seed) {
  Bytes m(size);
  for (std::size_t i = 0; i < size; ++i) m[i] = static_cast<std::uint8_t>(seed + i * 31);
  return m;
}

TEST(SimNet, ConnectsAndCarriesEveryLaneBothWays) {
  Pair p(1, link_preset(LinkPreset::kGood));
  p.connect();
  auto client_events = drain(p.client);
  auto server_events = drain(p.server);
  ASSERT_EQ(client_events.front().kind, EventKind::kConnected);
  ASSERT_EQ(server_events.front().kind, EventKind::kConnected);
  for (Lane lane : kAllLanes) {
    const auto i = static_cast<std::uint8_t>(lane_index(lane));
    ASSERT_TRUE(p.client.send(p.client_conn, lane, message(100 + i, i)).ok());
    ASSERT_TRUE(p.server.send(p.server_conn, lane, message(200 + i, i)).ok());
  }
  p.net.advance_by(seconds(3));
  std::map<Lane, Bytes> at_server, at_client;
  for (auto& e : drain(p.server)) at_server[e.lane] = e.payload;
  for (auto& e : drain(p.client)) at_client[e.lane] = e.payload;
  for (Lane lane : kAllLanes) {
    const auto i = static_cast<std::uint8_t>(lane_index(lane));
    if (is_reliable(lane)) {
      EXPECT_EQ(at_server[lane], message(100 + i, i)) << lane_name(lane);
      EXPECT_EQ(at_client[lane], message(200 + i, i)) << lane_name(lane);
    }
  }
}

TEST(SimNet, ReliableLanesArriveWholeAndInOrderUnderHeavyLoss) {
  LinkConfig link = link_preset(LinkPreset::kPoor);
  link.loss = 0.2;
  link.duplicate = 0.05;
  link.reorder = 0.1;
  SimEndpointConfig cfg;
  cfg.keep_alive = seconds(1);
  Pair p(7, link, cfg);
  p.connect();
  drain(p.server);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(p.client.send(p.client_conn, Lane::kChunks, message(1 + i * 37, i)).ok());
  }
  p.net.advance_by(seconds(60));
  int next = 0;
  for (auto& e : drain(p.server)) {
    ASSERT_EQ(e.kind, EventKind::kMessage);
    ASSERT_EQ(e.payload, message(1 + next * 37, static_cast<std::uint8_t>(next)));
    ++next;
  }
  EXPECT_EQ(next, 200);
  EXPECT_GT(p.net.link_counters(p.client, p.server).lost, 0u);
}

TEST(SimNet, ReliableDeliveryIsDelayedByRetransmissionUnderLoss) {
  LinkConfig lossless;
  lossless.latency = milliseconds(50);
  Pair clean(3, lossless);
  clean.connect();
  LinkConfig lossy = lossless;
  lossy.loss = 0.3;
  Pair noisy(3, lossy);
  noisy.connect();
  auto time_to_deliver = [](Pair& p) {
    drain(p.server);
    const Nanos start = p.net.now();
    for (int i = 0; i < 50; ++i) (void)p.client.send(p.client_conn, Lane::kChat, message(50, 1));
    int got = 0;
    while (got < 50) {
      p.net.advance_by(milliseconds(1));
      got += static_cast<int>(drain(p.server).size());
    }
    return p.net.now() - start;
  };
  const Nanos clean_time = time_to_deliver(clean);
  const Nanos noisy_time = time_to_deliver(noisy);
  EXPECT_LE(clean_time, milliseconds(52));
  EXPECT_GE(noisy_time, milliseconds(150));  // at least one RTO (100 ms RTT + 1 ms) after 50 ms
}

TEST(SimNet, DatagramLanesLoseDuplicateAndReorder) {
  LinkConfig link;
  link.latency = milliseconds(20);
  link.jitter = milliseconds(10);
  link.loss = 0.1;
  link.duplicate = 0.1;
  Pair p(11, link);
  p.connect();
  drain(p.server);
  for (int i = 0; i < 2000; ++i) {
    Bytes m(4);
    m[0] = static_cast<std::uint8_t>(i);
    m[1] = static_cast<std::uint8_t>(i >> 8);
    ASSERT_TRUE(p.client.send(p.client_conn, Lane::kInput, m).ok());
    p.net.advance_by(milliseconds(1));
  }
  p.net.advance_by(seconds(1));
  std::map<int, int> seen;
  int reordered = 0, last = -1;
  for (auto& e : drain(p.server)) {
    const int i = e.payload[0] | (e.payload[1] << 8);
    ++seen[i];
    if (i < last) ++reordered;
    last = std::max(last, i);
  }
  int dups = 0;
  for (auto& [i, n] : seen) dups += n > 1;
  EXPECT_LT(seen.size(), 1950u);  // ~10% lost
  EXPECT_GT(seen.size(), 1700u);
  EXPECT_GT(dups, 100);
  EXPECT_GT(reordered, 100);
  EXPECT_GT(p.client.stats(p.client_conn)->datagrams_lost, 100u);
}

TEST(SimNet, OversizedDatagramIsAnError) {
  Pair p(1);
  p.connect();
  EXPECT_FALSE(p.client.send(p.client_conn, Lane::kEntities, Bytes(kMaxDatagramMessage + 1)).ok());
  EXPECT_TRUE(p.client.send(p.client_conn, Lane::kEntities, Bytes(kMaxDatagramMessage)).ok());
  EXPECT_EQ(p.client.send(ConnectionId{99}, Lane::kChat, Bytes(1)).error().code,
            ErrorCode::kClosed);
}

std::string run_scenario(std::uint64_t seed) {
  LinkConfig link = link_preset(LinkPreset::kAverage);
  link.duplicate = 0.02;
  link.reorder = 0.02;
  link.burst = BurstLoss{0.01, 0.3, 0.0, 0.8};
  link.rate_bits_per_second = 4'000'000;
  Pair p(seed, link);
  p.net.keep_trace();
  p.connect();
  for (int tick = 0; tick < 400; ++tick) {
    (void)p.client.send(p.client_conn, Lane::kInput, message(40, static_cast<std::uint8_t>(tick)));
    if (tick % 2 == 0) {
      (void)p.server.send(p.server_conn, Lane::kEntities, message(300, 1));
    }
    if (tick % 5 == 0) {
      (void)p.server.send(p.server_conn, Lane::kChunks,
                          message(3000, static_cast<std::uint8_t>(tick)));
    }
    p.net.advance_by(milliseconds(50));
    drain(p.client);
    drain(p.server);
  }
  p.net.advance_by(seconds(10));
  return p.net.trace_text();
}

TEST(SimNet, SameSeedAndSendsGiveTheIdenticalTrace) {
  const std::string a = run_scenario(2026);
  const std::string b = run_scenario(2026);
  EXPECT_GT(a.size(), 10000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, run_scenario(2027));
}

TEST(SimNet, KeepsNoTraceUnlessAsked) {
  Pair p(7);
  p.connect();
  (void)p.client.send(p.client_conn, Lane::kInput, message(40, 1));
  p.net.advance_by(milliseconds(50));
  EXPECT_TRUE(p.net.trace().empty()) << "a long game would keep every delivery";
  p.net.keep_trace();
  (void)p.client.send(p.client_conn, Lane::kInput, message(40, 2));
  p.net.advance_by(milliseconds(50));
  EXPECT_FALSE(p.net.trace().empty());
}

TEST(SimNet, PresetsHaveTheirRoundTripAndLoss) {
  struct Want {
    LinkPreset preset;
    double rtt_ms, jitter_ms, loss;
  };
  for (Want w : {Want{LinkPreset::kGood, 40, 6, 0.002}, Want{LinkPreset::kAverage, 170, 45, 0.02},
                 Want{LinkPreset::kPoor, 300, 84, 0.04}}) {
    Pair p(5, link_preset(w.preset));
    p.connect();
    const ConnectionStats s = *p.client.stats(p.client_conn);
    using Ms = std::chrono::duration<double, std::milli>;
    EXPECT_NEAR(Ms(s.rtt_smoothed).count(), w.rtt_ms, 0.01);
    EXPECT_NEAR(Ms(s.jitter).count(), w.jitter_ms, 0.01);
    // Measured one-way loss of 20,000 datagrams is within 30% of the preset.
    drain(p.server);
    for (int i = 0; i < 20000; ++i) (void)p.client.send(p.client_conn, Lane::kInput, Bytes(8));
    p.net.advance_by(seconds(2));
    const auto c = p.net.link_counters(p.client, p.server);
    const double loss = static_cast<double>(c.lost) / static_cast<double>(c.offered);
    EXPECT_NEAR(loss, w.loss, w.loss * 0.3);
    std::size_t received = 0;
    for (auto& e : drain(p.server)) received += e.kind == EventKind::kMessage;
    EXPECT_NEAR(static_cast<double>(received), static_cast<double>(c.delivered), 3);  // + handshake
  }
}

TEST(SimNet, IdleTimeoutAndKeepAliveInVirtualTime) {
  SimEndpointConfig quiet;
  quiet.idle_timeout = seconds(2);
  Pair idle(1, {}, quiet);
  idle.connect();
  drain(idle.client);
  idle.net.advance_by(milliseconds(2100));
  auto events = drain(idle.client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kTimedOut);
  EXPECT_TRUE(idle.client.connections().empty());

  SimEndpointConfig chatty = quiet;
  chatty.keep_alive = milliseconds(500);
  Pair alive(1, {}, chatty);
  alive.connect();
  alive.net.advance_by(seconds(30));
  EXPECT_EQ(alive.client.connections().size(), 1u);
  EXPECT_EQ(alive.server.connections().size(), 1u);
}

TEST(SimNet, PartitionLongerThanTheIdleTimeoutTimesOutBothSides) {
  SimEndpointConfig cfg;
  cfg.idle_timeout = seconds(3);
  cfg.keep_alive = milliseconds(500);
  LinkConfig link;
  link.latency = milliseconds(10);
  link.partitions.push_back({seconds(2), seconds(10)});
  Pair p(1, link, cfg);
  p.connect();
  drain(p.client);
  drain(p.server);
  p.net.advance_to(seconds(8));
  EXPECT_EQ(drain(p.client).back().kind, EventKind::kTimedOut);
  EXPECT_EQ(drain(p.server).back().kind, EventKind::kTimedOut);
}

TEST(SimNet, ShortPartitionOnlyDelaysReliableMessages) {
  LinkConfig link;
  link.latency = milliseconds(10);
  link.partitions.push_back({seconds(1), milliseconds(1500)});
  Pair p(1, link);
  p.connect();
  drain(p.server);
  p.net.advance_to(milliseconds(1100));
  ASSERT_TRUE(p.client.send(p.client_conn, Lane::kChat, message(10, 3)).ok());
  p.net.advance_to(milliseconds(1400));
  EXPECT_TRUE(drain(p.server).empty());
  p.net.advance_to(seconds(5));
  auto events = drain(p.server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, message(10, 3));
}

TEST(SimNet, GracefulCloseFlushesReliableDataThenTellsThePeer) {
  LinkConfig link = link_preset(LinkPreset::kAverage);
  Pair p(9, link);
  p.connect();
  drain(p.server);
  for (int i = 0; i < 20; ++i)
    (void)p.client.send(p.client_conn, Lane::kReplication, message(5000, i));
  p.client.close(p.client_conn, 42, "bye");
  EXPECT_EQ(drain(p.client).back().kind, EventKind::kDisconnected);
  EXPECT_TRUE(p.client.connections().empty());
  p.net.advance_by(seconds(30));
  auto events = drain(p.server);
  ASSERT_EQ(events.size(), 21u);
  EXPECT_EQ(events.back().kind, EventKind::kDisconnected);
  EXPECT_EQ(events.back().close.code, 42u);
  EXPECT_EQ(events.back().close.reason, "bye");
  EXPECT_TRUE(events.back().close.by_peer);
}

TEST(SimNet, BandwidthCapQueuesThenDrops) {
  LinkConfig link;
  link.rate_bits_per_second = 1'000'000;  // 125 kB/s
  link.queue_bytes = 20'000;
  Pair p(1, link);
  p.connect();
  drain(p.server);
  for (int i = 0; i < 100; ++i) (void)p.client.send(p.client_conn, Lane::kInput, Bytes(1000));
  p.net.advance_by(seconds(1));
  const auto c = p.net.link_counters(p.client, p.server);
  EXPECT_GT(c.queue_drops, 70u);
  EXPECT_LT(c.queue_drops, 85u);
}

}  // namespace
}  // namespace theta_net::transport
