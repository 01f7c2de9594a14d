#include "theta_net/replication/client_replicator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "test_worlds.hpp"
#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/replication/entity_replica.hpp"

namespace theta_net::replication {
namespace {

using std::chrono::milliseconds;

std::vector<VisibleEntity> everything(const WorldState& w) {
  std::vector<VisibleEntity> out;
  for (EntityId id : w.ids()) out.push_back({id, 0});
  return out;
}

// Moves every `stride`-th entity a little (a tick of simulation): by `step` sixteenths of a
// block, or by a random amount up to 40 with an Rng.
void move_some(WorldState& w, std::size_t stride, std::size_t phase, std::int64_t step,
               Rng* rng = nullptr) {
  reference::ReferenceAccess access(w.schema());
  for (std::size_t i = phase % stride; i < w.size(); i += stride) {
    auto t = access.transform(w, i);
    t.x += Fx::from_raw((rng ? rng->uniform_int(-40, 40) : step) << 12);
    t.yaw += 256;
    access.set(w, w.id(i), t);
  }
}

TEST(ClientReplicator, PayloadBoundKeepsEveryDatagramFrameWithinTheLimit) {
  protocol::EntityDelta d;
  d.server_tick = d.baseline_tick = d.last_input_sequence = 0xFFFFFFFFu;
  d.payload.assign(kMaxEntityPayloadBytes, 0xAB);
  protocol::EncodedMessage m{static_cast<std::uint16_t>(protocol::MessageType::kEntityDelta), {}};
  ASSERT_TRUE(protocol::encode_body(d, m.body).ok());
  Bytes frame;
  protocol::write_message_frame(std::span(&m, 1), 0xFFFFFFFFu, {}, frame);
  EXPECT_EQ(frame.size(), protocol::kMaxDatagramFrameBytes);  // exactly the limit, never over
}

TEST(ClientReplicator, SendsAtTheUpdateRateAndFullStateUntilAcknowledged) {
  auto world = testing::reference_world(20, 1);
  ClientReplicator replicator(world.schema_ptr());
  const auto visible = everything(world);
  int packets = 0;
  for (std::uint32_t tick = 1; tick <= 20; ++tick) {  // 20 Hz ticks for one second
    auto d = replicator.update(world, visible, tick, milliseconds(50 * tick));
    if (!d) continue;
    ++packets;
    EXPECT_EQ(d->baseline_tick, 0u);  // nothing acknowledged: full state
  }
  EXPECT_EQ(packets, 10);  // 10 Hz
  EXPECT_EQ(replicator.stats().full_state_packets, 10u);
}

TEST(ClientReplicator, CodesAgainstTheNewestAcknowledgedBaseline) {
  auto world = testing::reference_world(50, 2);
  ClientReplicator replicator(world.schema_ptr());
  EntityReplica replica(world.schema_ptr());
  const auto visible = everything(world);
  auto first = replicator.update(world, visible, 2, milliseconds(100));
  ASSERT_TRUE(first && replica.apply(*first).value());
  replicator.acknowledge(replica.ack_tick());
  move_some(world, 5, 0, 3);
  auto second = replicator.update(world, visible, 4, milliseconds(200));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->baseline_tick, 2u);
  EXPECT_LT(second->payload.size(), first->payload.size() / 3);
  ASSERT_TRUE(replica.apply(*second).value());
  EXPECT_EQ(replica.state(), world);
  // Acknowledgements of ticks never sent are ignored.
  EXPECT_FALSE(replicator.acknowledge(3));
  EXPECT_FALSE(replicator.acknowledge(99));
  EXPECT_EQ(replicator.history().newest_acknowledged(), 2u);
}

TEST(ClientReplicator, FallsBackToFullStateWhenTheAcknowledgedBaselineIsGone) {
  auto world = testing::reference_world(10, 3);
  ClientReplicatorConfig config;
  config.history = 4;
  ClientReplicator replicator(world.schema_ptr(), config);
  const auto visible = everything(world);
  Micros now{0};
  std::uint32_t tick = 1;
  auto next = [&] {
    now += milliseconds(100);
    return replicator.update(world, visible, ++tick, now).value();
  };
  replicator.acknowledge(next().server_tick);
  EXPECT_NE(next().baseline_tick, 0u);
  for (int i = 0; i < 4; ++i) next();  // the acknowledged packet leaves the history of 4
  EXPECT_EQ(next().baseline_tick, 0u);
}

TEST(ClientReplicator, StaysWithinTheBandwidthBudget) {
  // 5 kB/s is below what one datagram at 10 Hz could carry, so the bucket is what limits.
  auto world = testing::reference_world(400, 4);
  ClientReplicatorConfig config;
  config.bytes_per_second = 5'000;
  config.burst_bytes = 1'000;
  ClientReplicator replicator(world.schema_ptr(), config);
  EntityReplica replica(world.schema_ptr());
  const auto visible = everything(world);
  std::uint64_t sent = 0;
  Rng rng(40);
  for (std::uint32_t tick = 1; tick <= 200; ++tick) {  // 10 s at 20 Hz
    move_some(world, 1, tick, 0, &rng);
    auto d = replicator.update(world, visible, tick, milliseconds(50 * tick));
    if (!d) continue;
    EXPECT_LE(d->payload.size(), kMaxEntityPayloadBytes);
    sent += d->payload.size() + kEntityPacketOverhead;
    if (replica.apply(*d).ok()) replicator.acknowledge(replica.ack_tick());
  }
  EXPECT_LE(sent, 5'000u * 10 + 1'000);   // rate x time + burst
  EXPECT_GT(sent, 5'000u * 10 * 8 / 10);  // and it used most of it
  EXPECT_GT(replicator.stats().budget_waits + replicator.stats().deferred, 0u);
}

TEST(ClientReplicator, NothingStarvesUnderATinyBudget) {
  // 120 entities all changing every tick, 1,000 bytes a second: each packet carries a few.
  auto world = testing::reference_world(120, 5);
  ClientReplicatorConfig config;
  config.bytes_per_second = 1'000;
  ClientReplicator replicator(world.schema_ptr(), config);
  EntityReplica replica(world.schema_ptr());
  const auto visible = everything(world);
  std::map<EntityId, int> times_sent;
  for (std::uint32_t tick = 1; tick <= 20 * 60; ++tick) {  // 1 minute
    move_some(world, 1, tick, 1);
    auto d = replicator.update(world, visible, tick, milliseconds(50 * tick));
    if (!d) continue;
    auto before = replica.state();
    ASSERT_TRUE(replica.apply(*d).ok());
    replicator.acknowledge(replica.ack_tick());
    for (std::size_t i = 0; i < replica.state().size(); ++i) {
      const auto j = before.find(replica.state().id(i));
      if (!j || before.row(*j)[0] != replica.state().row(i)[0]) ++times_sent[replica.state().id(i)];
    }
  }
  ASSERT_EQ(times_sent.size(), 120u);  // every entity was spawned...
  for (const auto& [id, n] : times_sent) EXPECT_GE(n, 2) << "entity " << id;  // ...and updated
  EXPECT_GT(replicator.stats().deferred, 0u);  // and most had to wait
}

TEST(ClientReplicator, SurvivesLossReorderingAndDuplication) {
  auto world = testing::reference_world(120, 6);
  ClientReplicatorConfig config;
  config.update_interval = milliseconds(50);
  ClientReplicator replicator(world.schema_ptr(), config);
  EntityReplica replica(world.schema_ptr());
  Rng rng(77);
  std::deque<protocol::EntityDelta> in_flight;  // server -> client
  std::deque<std::uint32_t> acks;               // client -> server
  reference::ReferenceAccess access(world.schema());
  for (std::uint32_t tick = 1; tick <= 400; ++tick) {
    const bool quiet = tick > 360;  // the last 2 s: no more changes, no more loss
    if (!quiet) {
      move_some(world, 4, tick, static_cast<std::int64_t>(rng.uniform(5)) - 2);
      if (tick % 7 == 0) world.remove_entity(world.id(rng.uniform(world.size())));
      if (tick % 5 == 0) access.set(world, 1000 + tick, reference::Health{1, 2});
    }
    if (auto d = replicator.update(world, everything(world), tick, milliseconds(50 * tick))) {
      if (quiet || !rng.chance(0.25)) in_flight.push_back(*d);  // 25% lost
      if (!quiet && rng.chance(0.1)) in_flight.push_back(*d);   // 10% duplicated
      if (!quiet && in_flight.size() > 1 && rng.chance(0.3)) {  // 30% reordered
        std::swap(in_flight.back(), in_flight[in_flight.size() - 2]);
      }
    }
    // Deliver up to two packets a tick (a queue that drains with delay), and the client acks.
    for (int n = 0; n < 2 && !in_flight.empty(); ++n) {
      auto applied = replica.apply(in_flight.front());
      EXPECT_TRUE(applied.ok() || applied.error().code == ErrorCode::kState);
      in_flight.pop_front();
      if (quiet || !rng.chance(0.25)) acks.push_back(replica.ack_tick());
    }
    while (acks.size() > 2) {
      replicator.acknowledge(acks.front());
      acks.pop_front();
    }
  }
  EXPECT_EQ(replica.state(), world);
  EXPECT_EQ(replica.state().canonical_bytes(), world.canonical_bytes());
  EXPECT_GT(replica.stats().stale, 0u);  // duplicates and late packets were seen and ignored
}

TEST(TokenBucket, AccruesAtTheRateUpToTheBurst) {
  TokenBucket bucket(1000, 500);
  EXPECT_EQ(bucket.available(Micros(0)), 500u);
  bucket.spend(500);
  EXPECT_EQ(bucket.available(milliseconds(100)), 100u);
  EXPECT_EQ(bucket.available(milliseconds(50)), 100u);  // time never runs backwards
  EXPECT_EQ(bucket.available(std::chrono::seconds(10)), 500u);
  bucket.spend(800);  // a debt is paid first
  EXPECT_EQ(bucket.available(std::chrono::seconds(10)), 0u);
  EXPECT_EQ(bucket.available(std::chrono::milliseconds(10400)), 100u);
  EXPECT_EQ(TokenBucket().rate(), 1'000'000u);  // default cap 1 MB/s
}

TEST(PriorityAccumulator, NearAndChangingFirstButWaitingEntitiesRise) {
  PriorityAccumulator acc;
  const std::vector<PriorityCandidate> round = {
      {1, 0, 1000, false}, {2, 8, 1, false}, {3, 2, 0, true}};
  auto order = acc.accumulate(round);
  EXPECT_EQ(order.front(), 0u);  // near and fast
  EXPECT_EQ(order.back(), 1u);   // far and slow
  // The far entity is never sent while the others are: it still overtakes them eventually.
  int rounds = 0;
  while (acc.accumulate(round).front() != 1u) {
    acc.sent(1 + 0);
    acc.sent(3);
    ++rounds;
    ASSERT_LT(rounds, 100);
  }
  // Entities that are no candidates are forgotten.
  acc.accumulate(std::vector<PriorityCandidate>{{3, 0, 0, true}});
  EXPECT_EQ(acc.priority(2), 0u);
  EXPECT_EQ(acc.size(), 1u);
}

}  // namespace
}  // namespace theta_net::replication
