// Broadcast: per-client bounded queues with flow control, through the ReplicationHost.
#include <gtest/gtest.h>

#include "test_worlds.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/replication/broadcast_queue.hpp"
#include "theta_net/replication/replication_client.hpp"
#include "theta_net/replication/replication_host.hpp"

namespace theta_net::replication {
namespace {

using std::chrono::milliseconds;

QueuedMessage message_of(std::size_t size, std::uint32_t tick) {
  QueuedMessage m;
  m.message.body.assign(size, 0);
  m.tick = tick;
  return m;
}

TEST(BroadcastQueue, SupersedesEntityDeltasAndBoundsReliableBytes) {
  BroadcastQueue q({.max_reliable_bytes = 1000, .max_unreliable = 2});
  for (std::uint32_t t = 1; t <= 5; ++t) q.push_unreliable(message_of(100, t));
  EXPECT_EQ(q.stats().superseded, 3u);
  ASSERT_TRUE(q.push_reliable(message_of(600, 1)));
  ASSERT_TRUE(q.push_reliable(message_of(300, 2)));
  EXPECT_EQ(q.bytes(), 1100u);
  auto out = q.drain(250);  // both entity deltas; the 600-byte message waits for credit
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].tick, 4u);
  EXPECT_EQ(out[1].tick, 5u);
  EXPECT_FALSE(q.push_reliable(message_of(200, 3)));  // over 1000 bytes: overflow
  EXPECT_TRUE(q.needs_resync());
  EXPECT_EQ(q.reliable_messages(), 0u);
  EXPECT_FALSE(q.push_reliable(message_of(1, 4)));  // nothing until the resync is handled
  q.clear_resync();
  EXPECT_TRUE(q.push_reliable(message_of(1, 5)));
  EXPECT_EQ(q.drain(1).size(), 1u);
}

// A host, its clients, and a perfect link whose per-client credit the test controls.
struct Harness {
  explicit Harness(std::size_t clients)
      : host(reference::schema(), testing::seed_schema(), config()) {
    EXPECT_TRUE(host.set_position_component(reference::kTransform).ok());
    for (std::size_t i = 0; i < clients; ++i) {
      ids.push_back(host.add_client());
      host.interest_of(ids.back())->set_view_distance(1000);
      peers.emplace_back(reference::schema(), testing::seed_schema());
    }
  }
  static ReplicationHostConfig config() {
    ReplicationHostConfig c;
    c.queue.max_reliable_bytes = 4 * 1024;
    c.entities.update_interval = milliseconds(50);  // every tick, so states compare tick by tick
    return c;
  }
  // One tick: the world changes, the host steps, each client gets what its credit allows.
  void tick(std::uint32_t t, const std::vector<std::size_t>& credit) {
    reference::ReferenceAccess access(host.entities().schema());
    access.set(host.entities(), 1 + t % 30,
               reference::Transform{Fx::from_int(static_cast<std::int64_t>(t % 50)), Fx{}, Fx{},
                                    static_cast<std::int32_t>(t * 300), 0});
    for (std::uint32_t k = 0; k < 3; ++k) {
      testing::set_position(host.records(), 1 + (t + 13 * k) % 40, t * 0.5, k, 2);
    }
    if (t % 9 == 0) host.records().remove_entity(1 + (t * 7) % 40);
    host.step(t, milliseconds(50 * t));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      for (const auto& q : host.drain(ids[i], credit[i])) {
        auto m = protocol::decode_body(static_cast<protocol::MessageType>(q.message.type),
                                       q.message.body);
        ASSERT_TRUE(m.ok());
        auto st = peers[i].on_message(*m);
        ASSERT_TRUE(st.ok()) << st.error().describe();
      }
      ASSERT_TRUE(host.on_message(ids[i], protocol::InputBundle{peers[i].ack_tick(), {}}).ok());
      for (const auto& out : peers[i].take_outgoing())
        ASSERT_TRUE(host.on_message(ids[i], out).ok());
    }
  }
  bool converged(std::size_t i) const {
    return peers[i].synced() && peers[i].records() == host.records() &&
           peers[i].entities() == host.entities();
  }
  ReplicationHost host;
  std::vector<ReplicationHost::ClientId> ids;
  std::vector<ReplicationClient> peers;
};

TEST(Broadcast, AStalledClientNeitherStallsOthersNorGrowsMemory) {
  Harness h(3);
  for (EntityId id = 1; id <= 40; ++id) testing::set_position(h.host.records(), id, id, 0, 0);
  constexpr std::size_t kOpen = 1 << 20;
  std::uint32_t t = 1;
  for (; t <= 20; ++t) h.tick(t, {kOpen, kOpen, kOpen});
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(h.converged(i)) << i;

  // Client 1 stops reading for 200 ticks (10 s) while the world keeps changing.
  std::size_t peak = 0;
  for (; t <= 220; ++t) {
    h.tick(t, {kOpen, 0, kOpen});
    peak = std::max(peak, h.host.queue(h.ids[1])->bytes());
    EXPECT_TRUE(h.converged(0));  // the others get every tick
    EXPECT_TRUE(h.converged(2));
  }
  // Bounded by the reliable limit plus the newest two entity deltas.
  EXPECT_LE(peak, Harness::config().queue.max_reliable_bytes + 2 * kMaxEntityPayloadBytes + 64);
  EXPECT_GE(h.host.queue(h.ids[1])->stats().overflows, 1u);

  // It reads again: a fresh snapshot, and it converges.
  for (int n = 0; n < 10; ++n, ++t) h.tick(t, {kOpen, kOpen, kOpen});
  EXPECT_TRUE(h.converged(1));
  EXPECT_EQ(h.host.client_stats(h.ids[1])->snapshots, 2u);
  EXPECT_EQ(h.host.client_stats(h.ids[0])->snapshots, 1u);
  EXPECT_GT(h.host.client_stats(h.ids[1])->ready_snapshot,
            h.host.client_stats(h.ids[0])->ready_snapshot);  // it applied the new snapshot
}

TEST(Broadcast, SlowClientGetsWhatItsCreditAllowsAndCatchesUp) {
  Harness h(2);
  for (EntityId id = 1; id <= 40; ++id) testing::set_position(h.host.records(), id, id, 0, 0);
  std::uint32_t t = 1;
  for (; t <= 100; ++t) h.tick(t, {1 << 20, 300});  // 300 bytes a tick for client 1
  EXPECT_TRUE(h.converged(0));
  for (int n = 0; n < 20; ++n, ++t) h.tick(t, {1 << 20, 1 << 20});
  EXPECT_TRUE(h.converged(1));
}

TEST(Broadcast, SameInputsGiveByteIdenticalMessages) {
  // Two hosts fed the same ticks emit the same bytes, message for message (priorities,
  // interest, budgets and both lanes included).
  auto run = [] {
    Harness h(2);
    for (EntityId id = 1; id <= 40; ++id) testing::set_position(h.host.records(), id, id, 0, 0);
    h.host.entities() = testing::reference_world(60, 3);
    std::vector<Bytes> out;
    for (std::uint32_t t = 1; t <= 40; ++t) {
      h.host.step(t, milliseconds(50 * t));
      for (auto id : h.ids) {
        for (auto& q : h.host.drain(id, 700)) out.push_back(std::move(q.message.body));
        EXPECT_TRUE(h.host.on_message(id, protocol::InputBundle{t > 2 ? t - 2 : 0, {}}).ok());
      }
      testing::set_position(h.host.records(), 1 + t % 40, t, 0, 0);
    }
    return out;
  };
  const auto a = run(), b = run();
  ASSERT_GT(a.size(), 60u);
  EXPECT_EQ(a, b);
}

TEST(Broadcast, AnEmptyWorldIsAnnouncedAndDeltasFollow) {
  Harness h(1);
  h.tick(1, {1 << 20});
  EXPECT_TRUE(h.peers[0].synced());
  testing::set_position(h.host.records(), 500, 1, 2, 3);
  h.tick(2, {1 << 20});
  EXPECT_TRUE(h.converged(0));
}

}  // namespace
}  // namespace theta_net::replication
