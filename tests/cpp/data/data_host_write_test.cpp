// DataHost writes and refusals: client writes are checked whole, committed as the server's own
// transactions and answered after the batch that holds them; a misbehaving client is refused
// with a reason and disturbs nobody else.
#include <gtest/gtest.h>

#include <cstdio>

#include "data_host_support.hpp"

namespace theta_net::data {
namespace {

using namespace host_testing;
using protocol::DataRefuseReason;

std::string hex(std::uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(value));
  return text;
}

struct Pair {
  Pair(DataHostConfig config = {}) : host(arena_schema(), std::move(config)) {
    a = host.add_client(Micros(0));
    b = host.add_client(Micros(0));
    EXPECT_TRUE(host.on_message(a, ma.subscribe(), Micros(0)).ok());
    EXPECT_TRUE(host.on_message(b, mb.subscribe(), Micros(0)).ok());
    pump(host, a, ma);
    pump(host, b, mb);
  }
  protocol::DataWrite write(std::uint32_t id, const Transaction& tx) {
    protocol::DataWrite w;
    w.write_id = id;
    w.base_version = host.version();
    w.ops = static_cast<std::uint32_t>(tx.ops().size());
    w.payload = encode_ops(host.schema(), tx.ops());
    return w;
  }
  Transaction player_hp(EntityId e, int hp) {
    Transaction tx = host.transaction();
    EXPECT_TRUE(tx.set("players", e, "health", "hp", std::int64_t{hp}).ok());
    return tx;
  }
  DataHost host;
  DataHost::ClientId a = 0, b = 0;
  Mirror ma{arena_schema()}, mb{arena_schema()};
};

TEST(DataHostWrite, AnAcceptedWriteIsAnsweredAfterTheBatchThatHoldsIt) {
  Pair p;
  ASSERT_TRUE(p.host.on_message(p.a, p.write(7, p.player_hp(3, 40)), Micros(1)).ok());
  EXPECT_TRUE(p.host.drain(p.a, 1u << 20).empty());  // nothing before the batch closes
  ASSERT_EQ(p.host.flush(Micros(2)), 1u);
  const auto messages = pump(p.host, p.a, p.ma);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<protocol::DataBatch>(messages[0]));
  EXPECT_TRUE(std::holds_alternative<protocol::DataStateHash>(messages[2]));  // the version's
  const auto& result = std::get<protocol::DataWriteResult>(messages[1]);
  EXPECT_EQ(result.write_id, 7u);
  EXPECT_TRUE(result.accepted);
  EXPECT_EQ(result.version, 1u);
  EXPECT_FALSE(result.reason.has_value());
  pump(p.host, p.b, p.mb);
  EXPECT_EQ(p.ma.store, p.host.store());
  EXPECT_EQ(p.mb.store, p.host.store());
  EXPECT_TRUE(p.mb.results.empty());  // the other client sees the batch, not the answer
  EXPECT_EQ(p.host.stats(p.a)->writes_accepted, 1u);
}

TEST(DataHostWrite, WritesBeforeTheClientIsReadyAreRefused) {
  DataHost host(arena_schema());
  const auto c = host.add_client(Micros(0));
  Mirror m(arena_schema());
  Transaction tx = host.transaction();
  ASSERT_TRUE(tx.set("items", 1, "item", "count", std::int64_t{3}).ok());
  protocol::DataWrite w;
  w.write_id = 1;
  w.ops = 1;
  w.payload = encode_ops(host.schema(), tx.ops());
  ASSERT_TRUE(host.on_message(c, w, Micros(0)).ok());  // never subscribed
  ASSERT_TRUE(host.on_message(c, m.subscribe(), Micros(0)).ok());
  w.write_id = 2;
  ASSERT_TRUE(host.on_message(c, w, Micros(0)).ok());  // subscribed, not ready
  pump(host, c, m);
  ASSERT_EQ(m.results.size(), 2u);
  for (const auto& r : m.results) {
    EXPECT_FALSE(r.accepted);
    EXPECT_EQ(r.reason, DataRefuseReason::kNotSynced);
  }
  EXPECT_EQ(host.store().size(), 0u);
  w.write_id = 3;
  ASSERT_TRUE(host.on_message(c, w, Micros(0)).ok());  // ready now
  host.flush(Micros(1));
  pump(host, c, m);
  EXPECT_TRUE(m.results.back().accepted);
}

TEST(DataHostWrite, BadWritesAreRefusedWithTheirReason) {
  DataHostConfig config;
  config.max_write_bytes = 64;
  config.write_policy = [](DataClientId, const Op& op) { return op.entity != 666; };
  Pair p(config);
  auto refused = [&](protocol::DataWrite w) {
    EXPECT_TRUE(p.host.on_message(p.a, w, Micros(1)).ok());
    const auto messages = pump(p.host, p.a, p.ma);
    EXPECT_EQ(messages.size(), 1u);
    return p.ma.results.back();
  };
  // Oversized.
  Transaction big = p.host.transaction();
  ASSERT_TRUE(big.set("players", 1, "profile", "title", std::string(60, 'x')).ok());
  ASSERT_TRUE(big.set("players", 1, "health", "hp", std::int64_t{5}).ok());
  auto r = refused(p.write(1, big));
  EXPECT_EQ(r.reason, DataRefuseReason::kTooLarge);
  EXPECT_NE(r.text.find("64"), std::string::npos);
  // Bytes that are no ops.
  protocol::DataWrite garbage = p.write(2, p.player_hp(1, 5));
  garbage.payload = {0xff, 0xff, 0xff};
  r = refused(garbage);
  EXPECT_EQ(r.reason, DataRefuseReason::kMalformed);
  EXPECT_FALSE(r.text.empty());
  // A count that does not match the payload.
  protocol::DataWrite miscounted = p.write(3, p.player_hp(1, 5));
  miscounted.ops = 2;
  EXPECT_EQ(refused(miscounted).reason, DataRefuseReason::kMalformed);
  // A table the schema does not have.
  protocol::DataWrite unknown = p.write(4, p.player_hp(1, 5));
  unknown.payload[0] = 9;  // the first op's table index
  r = refused(unknown);
  EXPECT_EQ(r.reason, DataRefuseReason::kUnknownTable) << r.text;
  // A value outside its field's range.
  Op wild;
  wild.table = kPlayers;
  wild.entity = 1;
  wild.writes = {{1, {{0, std::int64_t{1000}}}}};  // hp 0..100
  protocol::DataWrite ranged = p.write(5, p.player_hp(1, 5));
  Bytes payload;
  payload = encode_ops(p.host.schema(), {wild});
  ranged.payload = payload;
  EXPECT_EQ(refused(ranged).reason, DataRefuseReason::kMalformed);
  // Refused by the write policy.
  r = refused(p.write(6, p.player_hp(666, 5)));
  EXPECT_EQ(r.reason, DataRefuseReason::kNotAllowed);
  EXPECT_NE(r.text.find("666"), std::string::npos);
  // Based on a version the server has not reached.
  protocol::DataWrite future = p.write(7, p.player_hp(1, 5));
  future.base_version = 99;
  EXPECT_EQ(refused(future).reason, DataRefuseReason::kBadVersion);

  EXPECT_EQ(p.host.stats(p.a)->writes_refused, 7u);
  EXPECT_EQ(p.host.store().size(), 0u);
  EXPECT_EQ(p.host.flush(Micros(2)), std::nullopt);  // nothing was committed
  EXPECT_TRUE(pump(p.host, p.b, p.mb).empty());      // and the other client saw nothing
  EXPECT_TRUE(p.host.stats(p.a)->ready);             // refused writes do not stop the sync
}

TEST(DataHostWrite, BadSubscriptionsAreRefusedNamingWhatIsWrong) {
  DataHost host(arena_schema());
  const auto c = host.add_client(Micros(0));
  Mirror m(arena_schema());

  auto other = DataSchema::make("arena", 1, 0, {arena_schema()->table(1)});
  ASSERT_TRUE(other.ok());
  Mirror stranger(*other);
  ASSERT_TRUE(host.on_message(c, stranger.subscribe(), Micros(0)).ok());
  m.tables = {"players", "ghosts"};
  ASSERT_TRUE(host.on_message(c, m.subscribe(), Micros(0)).ok());
  m.tables = {};
  ASSERT_TRUE(host.on_message(c, m.subscribe(5), Micros(0)).ok());
  pump(host, c, m);
  ASSERT_EQ(m.refusals.size(), 3u);
  const auto& mismatch = m.refusals[0];
  EXPECT_EQ(mismatch.reason, DataRefuseReason::kSchemaMismatch);
  EXPECT_EQ(mismatch.server_schema_hash, host.schema().hash());
  EXPECT_EQ(mismatch.client_schema_hash, (*other)->hash());
  EXPECT_NE(mismatch.text.find(hex(host.schema().hash())), std::string::npos) << mismatch.text;
  EXPECT_NE(mismatch.text.find(hex((*other)->hash())), std::string::npos) << mismatch.text;
  EXPECT_EQ(m.refusals[1].reason, DataRefuseReason::kUnknownTable);
  EXPECT_NE(m.refusals[1].text.find("'ghosts'"), std::string::npos);
  EXPECT_EQ(m.refusals[2].reason, DataRefuseReason::kBadVersion);
  EXPECT_EQ(host.stats(c)->refusals, 3u);
  EXPECT_EQ(m.syncs, 0);
  // A good subscription afterwards works.
  ASSERT_TRUE(host.on_message(c, m.subscribe(), Micros(0)).ok());
  pump(host, c, m);
  EXPECT_TRUE(host.stats(c)->ready);
}

TEST(DataHostWrite, MessagesOutOfPlaceAreRefusedOrIgnoredNeverErrors) {
  Pair p;
  put_player(p.host, 1, 0, 0, 0);
  p.host.flush(Micros(1));
  // A server message from a client: refused, its sync stops.
  ASSERT_TRUE(p.host.on_message(p.a, protocol::DataBatch{}, Micros(2)).ok());
  // A ClientReady for no sync of its own: ignored.
  protocol::ClientReady stray;
  stray.snapshot_id = 12345;
  ASSERT_TRUE(p.host.on_message(p.b, stray, Micros(2)).ok());
  // An acknowledgement of a version never sent: refused.
  protocol::DataAck ahead;
  ahead.version = 50;
  ASSERT_TRUE(p.host.on_message(p.b, ahead, Micros(2)).ok());
  // Not a data-layer message at all: the caller's mistake.
  EXPECT_FALSE(p.host.on_message(p.a, protocol::Heartbeat{}, Micros(2)).ok());
  EXPECT_FALSE(p.host.on_message(999, protocol::DataAck{}, Micros(2)).ok());
  pump(p.host, p.a, p.ma);
  pump(p.host, p.b, p.mb);
  ASSERT_EQ(p.ma.refusals.size(), 1u);
  EXPECT_EQ(p.ma.refusals[0].reason, DataRefuseReason::kMalformed);
  ASSERT_EQ(p.mb.refusals.size(), 1u);
  EXPECT_EQ(p.mb.refusals[0].reason, DataRefuseReason::kBadVersion);
  // Refused clients get nothing more until they subscribe again.
  put_player(p.host, 2, 0, 0, 0);
  p.host.flush(Micros(3));
  EXPECT_TRUE(pump(p.host, p.a, p.ma).empty());
  ASSERT_TRUE(p.host.on_message(p.a, p.ma.subscribe(p.ma.store.version()), Micros(4)).ok());
  pump(p.host, p.a, p.ma);
  EXPECT_EQ(p.ma.store, p.host.store());
}

TEST(DataHostWrite, AFloodingClientIsBoundedAndCannotTouchOthers) {
  DataHostConfig config;
  config.max_queue_bytes = 4096;
  Pair p(config);
  // Client a never reads and sends hundreds of bad writes and subscriptions.
  for (std::uint32_t i = 0; i < 500; ++i) {
    protocol::DataWrite w = p.write(i, p.player_hp(1, 5));
    w.payload.assign(40, static_cast<std::uint8_t>(i));
    ASSERT_TRUE(p.host.on_message(p.a, w, Micros(i)).ok());
    protocol::DataSubscribe s = p.ma.subscribe(1000 + i);
    ASSERT_TRUE(p.host.on_message(p.a, s, Micros(i)).ok());
    EXPECT_LE(p.host.stats(p.a)->queue_bytes, config.max_queue_bytes);
  }
  put_player(p.host, 1, 1, 1, 1);
  p.host.flush(Micros(600));
  pump(p.host, p.b, p.mb);
  EXPECT_EQ(p.mb.store, p.host.store());
  EXPECT_EQ(p.host.stats(p.b)->refusals, 0u);
  EXPECT_EQ(p.host.stats(p.b)->overflows, 0u);
}

TEST(DataHostWrite, ResultsSurviveAnOverflowAndFollowTheResync) {
  DataHostConfig config;
  config.max_queue_bytes = 600;
  Pair p(config);
  ASSERT_TRUE(p.host.on_message(p.a, p.write(1, p.player_hp(1, 10)), Micros(1)).ok());
  for (int v = 1; v <= 30; ++v) {
    for (EntityId e = 2; e <= 6; ++e) put_player(p.host, e, v, 0, 0);
    p.host.flush(Micros(v));
  }
  ASSERT_GE(p.host.stats(p.a)->overflows, 1u);
  pump(p.host, p.a, p.ma);
  ASSERT_EQ(p.ma.results.size(), 1u);
  EXPECT_TRUE(p.ma.results[0].accepted);
  EXPECT_EQ(p.ma.results[0].version, 1u);
  EXPECT_GE(p.ma.result_at_version[0], 1u);  // it arrived once the client held its version
  EXPECT_EQ(p.ma.store, p.host.store());
}

}  // namespace
}  // namespace theta_net::data
