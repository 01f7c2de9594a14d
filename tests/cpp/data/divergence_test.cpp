// The divergence check (docs/data.md) between a DataHost and ClientDBs in memory: a mirror broken
// on purpose is found at the next published hash and repaired by a resync of that table only;
// hashes are the same run after run; a repair under concurrent writes converges byte for byte;
// bad DataResync requests are refused with a reason and touch no one else.
#include <gtest/gtest.h>

#include "data_host_support.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/data/client_db.hpp"

namespace theta_net::data {
namespace {

using namespace host_testing;
using protocol::DataRefuseReason;

// A host with `players` players and `items` items at version 1.
void populate(DataHost& host, int players, int items) {
  Transaction tx = host.transaction();
  for (int e = 1; e <= players; ++e) {
    EXPECT_TRUE(tx.set("players", e, "position", "x", std::int64_t{e}).ok());
    EXPECT_TRUE(tx.set("players", e, "health", "hp", std::int64_t{e % 100}).ok());
  }
  for (int e = 1; e <= items; ++e) {
    EXPECT_TRUE(tx.set("items", e, "item", "count", std::int64_t{e}).ok());
  }
  EXPECT_TRUE(host.commit(tx).ok());
  host.flush(Micros(0));
}

// One ClientDB on a host, messages carried by hand.
struct Link {
  Link(DataHost& h, ClientDbConfig config = {}) : host(h), db(arena_schema(), std::move(config)) {
    id = host.add_client(Micros(0), true);
    db.subscribe(Micros(0));
  }
  // Carries messages both ways until quiet; returns what the host sent.
  std::vector<protocol::AnyMessage> pump(Micros now = Micros(0)) {
    std::vector<protocol::AnyMessage> all;
    for (int round = 0; round < 64; ++round) {
      bool moved = false;
      for (const auto& m : db.take_outgoing()) {
        EXPECT_TRUE(host.on_message(id, m, now).ok());
        moved = true;
      }
      for (auto& m : host.drain(id, 64u << 20)) {
        auto taken = db.on_message(m, now);
        EXPECT_TRUE(taken.ok()) << taken.error().describe();
        all.push_back(std::move(m));
        moved = true;
      }
      if (!moved) break;
    }
    return all;
  }
  DataHost& host;
  ClientDB db;
  DataHost::ClientId id = 0;
};

Op set_count(EntityId entity, std::int64_t count) {
  Op op;
  op.table = kItems;
  op.entity = entity;
  op.writes = {{0, {{1, Value{count}}}}};
  return op;
}

void server_set_hp(DataHost& host, EntityId e, std::int64_t hp) {
  Transaction tx = host.transaction();
  EXPECT_TRUE(tx.set("players", e, "health", "hp", hp).ok());
  EXPECT_TRUE(host.commit(tx).ok());
}

// The snapshot ops of every chunk in `messages` (plain or packed).
std::vector<Op> chunk_ops(const DataSchema& schema, const std::vector<protocol::AnyMessage>& all) {
  std::vector<Op> ops;
  for (const auto& chunk : all_of<protocol::DataSnapshotChunk>(all)) {
    Bytes raw = chunk.payload;
    if (chunk.encoding != protocol::DataEncoding::kPlain) {
      raw = BatchCompressor().decompress(chunk.payload, chunk.raw_bytes, false).value();
    }
    auto decoded = decode_ops(schema, raw, chunk.entities).value();
    ops.insert(ops.end(), decoded.begin(), decoded.end());
  }
  return ops;
}

TEST(Divergence, ACorruptedMirrorIsFoundAtTheNextHashAndRepairedByATableResync) {
  DataHost host(arena_schema());
  populate(host, 200, 30);
  Link link(host);
  link.pump();
  ASSERT_EQ(link.db.view(), host.store());
  std::vector<Change> seen;
  ASSERT_TRUE(link.db.on_table("items", [&](const Change& c) { seen.push_back(c); }).ok());

  ASSERT_TRUE(link.db.corrupt_for_testing({set_count(7, 999)}).ok());
  EXPECT_NE(link.db.confirmed_table_hash(kItems), host.store().table(kItems).state_hash());
  EXPECT_EQ(link.db.confirmed_table_hash(kPlayers), host.store().table(kPlayers).state_hash());

  // The next version (a change to players) publishes the hashes; the mirror finds items differ.
  server_set_hp(host, 3, 42);
  host.flush(Micros(1));
  const auto sent = link.pump(Micros(1));

  EXPECT_EQ(link.db.view(), host.store());
  EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
  EXPECT_EQ(link.db.divergences(), 1u);
  EXPECT_EQ(link.db.table_resyncs(), 1u);
  const auto found = link.db.take_divergences();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].table, kItems);
  EXPECT_EQ(found[0].version, 2u);
  EXPECT_EQ(found[0].server_hash, host.store().table(kItems).state_hash());
  // Only items came again: one table sync of it, no full sync, no player in its chunks.
  const auto begins = all_of<protocol::DataSyncBegin>(sent);
  ASSERT_EQ(begins.size(), 1u);
  EXPECT_EQ(begins[0].mode, protocol::DataSyncMode::kTable);
  EXPECT_EQ(begins[0].table, kItems);
  EXPECT_EQ(begins[0].entities_total, 30u);
  const auto ops = chunk_ops(host.schema(), sent);
  EXPECT_EQ(ops.size(), 30u);
  for (const Op& op : ops) EXPECT_EQ(op.table, kItems);
  EXPECT_EQ(host.stats(link.id)->syncs_full, 1u);
  EXPECT_EQ(host.stats(link.id)->syncs_table, 1u);
  // The repair told the subscriptions what it changed: entity 7's count, back from 999.
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, ChangeKind::kUpdate);
  EXPECT_EQ(seen[0].entity, 7u);
  // Batches go on from the repaired version.
  server_set_hp(host, 4, 43);
  host.flush(Micros(2));
  link.pump(Micros(2));
  EXPECT_EQ(link.db.view(), host.store());
  EXPECT_EQ(link.db.divergences(), 1u);
  EXPECT_GE(link.db.state_hashes_checked(), 2u);
}

TEST(Divergence, ADivergedTableIsAskedForOnceUntilItIsRepaired) {
  DataHost host(arena_schema());
  populate(host, 10, 10);
  Link link(host);
  link.pump();
  ASSERT_TRUE(link.db.corrupt_for_testing({set_count(2, 500)}).ok());
  // Three versions reach the mirror while its DataResync has not reached the server.
  std::vector<protocol::AnyMessage> held;
  for (int v = 0; v < 3; ++v) {
    server_set_hp(host, 1, 10 + v);
    host.flush(Micros(v));
    for (const auto& m : host.drain(link.id, 1u << 20))
      ASSERT_TRUE(link.db.on_message(m, Micros(v)).ok());
    for (auto& m : link.db.take_outgoing()) held.push_back(std::move(m));
  }
  const auto resyncs = all_of<protocol::DataResync>(held);
  ASSERT_EQ(resyncs.size(), 1u);
  EXPECT_EQ(resyncs[0].table, kItems);
  EXPECT_EQ(resyncs[0].local_hash, link.db.confirmed_table_hash(kItems));
  EXPECT_EQ(link.db.divergences(), 1u);
  for (const auto& m : held) ASSERT_TRUE(host.on_message(link.id, m, Micros(3)).ok());
  link.pump(Micros(3));
  EXPECT_EQ(link.db.view(), host.store());
  // Once repaired, a new fault is found and asked for again.
  ASSERT_TRUE(link.db.corrupt_for_testing({set_count(3, 1)}).ok());
  server_set_hp(host, 1, 99);
  host.flush(Micros(4));
  link.pump(Micros(4));
  EXPECT_EQ(link.db.divergences(), 2u);
  EXPECT_EQ(link.db.table_resyncs(), 2u);
  EXPECT_EQ(link.db.view(), host.store());
}

TEST(Divergence, TheConfirmedHashLeavesPendingWritesOut) {
  DataHost host(arena_schema());
  populate(host, 5, 5);
  Link link(host);
  link.pump();
  Transaction tx(link.db.view().schema_ptr());
  ASSERT_TRUE(tx.set("items", 4, "item", "count", std::int64_t{777}).ok());
  ASSERT_TRUE(tx.set("items", 40, "item", "count", std::int64_t{1}).ok());  // a new entity
  ASSERT_TRUE(link.db.write(tx).ok());
  EXPECT_NE(link.db.view().table(kItems).state_hash(), host.store().table(kItems).state_hash());
  EXPECT_EQ(link.db.confirmed_table_hash(kItems), host.store().table(kItems).state_hash());
  // A server batch arrives before the write's answer: no divergence is reported.
  server_set_hp(host, 2, 7);
  host.flush(Micros(1));
  for (const auto& m : host.drain(link.id, 1u << 20))
    ASSERT_TRUE(link.db.on_message(m, Micros(1)).ok());
  EXPECT_EQ(link.db.divergences(), 0u);
  EXPECT_GE(link.db.state_hashes_checked(), 1u);
  link.pump(Micros(2));
  host.flush(Micros(2));
  link.pump(Micros(2));
  EXPECT_EQ(link.db.pending_writes(), 0u);
  EXPECT_EQ(link.db.view(), host.store());
  EXPECT_EQ(link.db.divergences(), 0u);
}

// A seeded run of server writes with one mirror broken twice; every message the host sends.
std::vector<Bytes> seeded_run(std::uint64_t seed) {
  DataHost host(arena_schema());
  populate(host, 50, 50);
  Link link(host);
  ClientDbConfig items_only;
  items_only.tables = {"items"};
  Link other(host, items_only);
  Rng rng(seed);
  std::vector<Bytes> trace;
  for (int step = 1; step <= 60; ++step) {
    server_set_hp(host, 1 + rng.uniform(50), static_cast<std::int64_t>(rng.uniform(101)));
    Transaction tx = host.transaction();
    EXPECT_TRUE(tx.set("items", 1 + rng.uniform(60), "item", "count",
                       static_cast<std::int64_t>(rng.uniform(1000)))
                    .ok());
    EXPECT_TRUE(host.commit(tx).ok());
    host.flush(Micros(step));
    if (step == 20 || step == 40) {
      const EntityId broken = 1 + rng.uniform(50);
      EXPECT_TRUE(link.db.corrupt_for_testing({set_count(broken, 5)}).ok());
    }
    for (Link* l : {&link, &other}) {
      for (const auto& e : encoded(l->pump(Micros(step)))) trace.push_back(e);
    }
  }
  EXPECT_EQ(link.db.view(), host.store());
  EXPECT_EQ(link.db.table_resyncs(), 2u);
  EXPECT_EQ(other.db.divergences(), 0u);
  EXPECT_EQ(host.stats(other.id)->syncs_table, 0u);
  return trace;
}

TEST(Divergence, HashesAndRepairsAreTheSameRunAfterRun) {
  const std::vector<Bytes> first = seeded_run(11);
  EXPECT_EQ(first, seeded_run(11));
  EXPECT_NE(first, seeded_run(12));
}

TEST(Divergence, AResyncUnderConcurrentWritesConvergesByteIdentically) {
  DataHost host(arena_schema());
  populate(host, 20, 40);
  Link link(host);
  Link bystander(host);
  link.pump();
  bystander.pump();
  Rng rng(4);
  ASSERT_TRUE(link.db.corrupt_for_testing({set_count(9, 3), set_count(33, 3)}).ok());
  for (int step = 1; step <= 40; ++step) {
    const Micros now(step);
    // The server and the broken mirror both write to the items table every step.
    Transaction tx = host.transaction();
    ASSERT_TRUE(tx.set("items", 1 + rng.uniform(40), "item", "count",
                       static_cast<std::int64_t>(rng.uniform(1000)))
                    .ok());
    ASSERT_TRUE(host.commit(tx).ok());
    if (link.db.pending_writes() < 4) {
      Transaction mine(link.db.view().schema_ptr());
      ASSERT_TRUE(mine.set("items", 1 + rng.uniform(40), "item", "kind",
                           static_cast<std::int64_t>(rng.uniform(16)))
                      .ok());
      ASSERT_TRUE(link.db.write(mine).ok());
    }
    // The mirror's messages (its DataResync among them) reach the host while the open batch
    // holds ops: the table sync waits for the flush and follows its batch.
    for (const auto& m : link.db.take_outgoing()) {
      ASSERT_TRUE(host.on_message(link.id, m, now).ok());
    }
    host.flush(now);
    for (const auto& m : host.drain(link.id, 1 + rng.uniform(4000))) {
      ASSERT_TRUE(link.db.on_message(m, now).ok());
    }
    bystander.pump(now);
  }
  host.flush(Micros(100));
  link.pump(Micros(100));
  bystander.pump(Micros(100));
  EXPECT_EQ(link.db.pending_writes(), 0u);
  EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
  EXPECT_EQ(bystander.db.view().canonical_bytes(), host.store().canonical_bytes());
  EXPECT_GE(link.db.table_resyncs(), 1u);
  EXPECT_EQ(bystander.db.divergences(), 0u);
  EXPECT_EQ(host.stats(bystander.id)->syncs_table, 0u);
}

TEST(Divergence, ClientsOfSomeTablesGetTheirHashesAtTheVersionTheyHold) {
  DataHost host(arena_schema());
  populate(host, 5, 5);
  Mirror items(arena_schema());
  items.tables = {"items"};
  const auto id = host.add_client(Micros(0));
  ASSERT_TRUE(host.on_message(id, items.subscribe(), Micros(0)).ok());
  pump(host, id, items);
  // Versions that change only players are skipped for this client; its hashes still come, of
  // items only, at the version it holds (the Mirror checks both).
  for (int v = 0; v < 4; ++v) {
    server_set_hp(host, 1, v);
    host.flush(Micros(v + 1));
  }
  pump(host, id, items);
  ASSERT_FALSE(items.state_hashes.empty());
  EXPECT_EQ(items.state_hashes.back().version, 1u);  // no batch since the snapshot
  ASSERT_EQ(items.state_hashes.back().tables.size(), 1u);
  EXPECT_EQ(items.state_hashes.back().tables[0].table, kItems);
  EXPECT_EQ(items.hash_mismatches, 0);
}

TEST(Divergence, HashesArePublishedEveryNVersionsOrNever) {
  for (const Version every : {Version{0}, Version{1}, Version{3}}) {
    DataHostConfig config;
    config.state_hash_every = every;
    DataHost host(arena_schema(), config);
    Mirror m(arena_schema());
    const auto id = host.add_client(Micros(0));
    ASSERT_TRUE(host.on_message(id, m.subscribe(), Micros(0)).ok());
    pump(host, id, m);
    for (int v = 1; v <= 9; ++v) {
      server_set_hp(host, 1, v);
      host.flush(Micros(v));
    }
    pump(host, id, m);
    std::vector<Version> versions;
    for (const auto& h : m.state_hashes) versions.push_back(h.version);
    if (every == 0) {
      EXPECT_TRUE(versions.empty());
    }
    if (every == 1) {
      EXPECT_EQ(versions.size(), 9u);
    }
    if (every == 3) {
      EXPECT_EQ(versions, (std::vector<Version>{3, 6, 9}));
    }
    EXPECT_EQ(m.hash_mismatches, 0);
  }
}

TEST(Divergence, ClientsOfOlderProtocolMinorsGetNoHashes) {
  DataHost host(arena_schema());
  Mirror m(arena_schema());
  const auto id = host.add_client(Micros(0));
  host.set_client_minor(id, 2);  // DataStateHash is 1.3
  ASSERT_TRUE(host.on_message(id, m.subscribe(), Micros(0)).ok());
  pump(host, id, m);
  server_set_hp(host, 1, 5);
  host.flush(Micros(1));
  pump(host, id, m);
  EXPECT_TRUE(m.state_hashes.empty());
  EXPECT_EQ(m.store, host.store());
}

// A ready client (Mirror) of every table, and one of players by cell, plus a bystander.
struct Requests {
  Requests() : host(arena_schema(), config()) {
    populate(host, 5, 5);
    a = host.add_client(Micros(0));
    EXPECT_TRUE(host.on_message(a, ma.subscribe(), Micros(0)).ok());
    pump(host, a, ma);
    by_cell.cells = {{0, 0, 0}};
    c = host.add_client(Micros(0));
    EXPECT_TRUE(host.on_message(c, by_cell.subscribe(), Micros(0)).ok());
    pump(host, c, by_cell);
    b = host.add_client(Micros(0));
    EXPECT_TRUE(host.on_message(b, mb.subscribe(), Micros(0)).ok());
    pump(host, b, mb);
  }
  static DataHostConfig config() {
    DataHostConfig c;
    c.table_resync_burst = 2;
    c.table_resync_refill = std::chrono::seconds(1);
    return c;
  }
  // The refusal a request from `id` earns (and the mirror then subscribes again).
  protocol::DataRefused refused(DataHost::ClientId id, Mirror& m, protocol::DataResync r,
                                Micros now = Micros(1)) {
    EXPECT_TRUE(host.on_message(id, r, now).ok());
    pump(host, id, m, now);
    EXPECT_FALSE(m.refusals.empty());
    protocol::DataRefused out = m.refusals.empty() ? protocol::DataRefused{} : m.refusals.back();
    m.refusals.clear();
    EXPECT_TRUE(host.on_message(id, m.subscribe(m.store.version()), now).ok());
    pump(host, id, m, now);
    return out;
  }
  DataHost host;
  DataHost::ClientId a = 0, b = 0, c = 0;
  Mirror ma{arena_schema()}, mb{arena_schema()}, by_cell{arena_schema()};
};

TEST(Divergence, BadResyncRequestsAreRefusedWithAReasonAndTouchNoOneElse) {
  Requests r;
  auto unknown = r.refused(r.a, r.ma, protocol::DataResync{9, 1, 0});
  EXPECT_EQ(unknown.reason, DataRefuseReason::kUnknownTable);
  EXPECT_NE(unknown.text.find("has 2 tables"), std::string::npos) << unknown.text;
  auto ahead = r.refused(r.a, r.ma, protocol::DataResync{kItems, 99, 0});
  EXPECT_EQ(ahead.reason, DataRefuseReason::kBadVersion);
  auto by_cell = r.refused(r.c, r.by_cell, protocol::DataResync{kPlayers, 1, 0});
  EXPECT_EQ(by_cell.reason, DataRefuseReason::kNotAllowed);
  EXPECT_NE(by_cell.text.find("by cell"), std::string::npos) << by_cell.text;

  Mirror items(arena_schema());
  items.tables = {"items"};
  const auto d = r.host.add_client(Micros(0));
  ASSERT_TRUE(r.host.on_message(d, items.subscribe(), Micros(0)).ok());
  pump(r.host, d, items);
  auto not_taken = r.refused(d, items, protocol::DataResync{kPlayers, 1, 0});
  EXPECT_EQ(not_taken.reason, DataRefuseReason::kNotAllowed);
  EXPECT_NE(not_taken.text.find("does not take table 'players'"), std::string::npos);

  const auto idle = r.host.add_client(Micros(0));
  Mirror never(arena_schema());
  auto unsynced = r.refused(idle, never, protocol::DataResync{kItems, 1, 0});
  EXPECT_EQ(unsynced.reason, DataRefuseReason::kNotSynced);

  // Too often: two at once are served, the third within the refill time is refused.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(r.host.on_message(r.a, protocol::DataResync{kItems, 1, 0}, Micros(2)).ok());
    pump(r.host, r.a, r.ma, Micros(2));
  }
  EXPECT_EQ(r.host.stats(r.a)->syncs_table, 2u);
  auto flood = r.refused(r.a, r.ma, protocol::DataResync{kItems, 1, 0}, Micros(3));
  EXPECT_EQ(flood.reason, DataRefuseReason::kNotAllowed);
  EXPECT_NE(flood.text.find("too often"), std::string::npos) << flood.text;
  // The budget grows back with time.
  ASSERT_TRUE(
      r.host
          .on_message(r.a, protocol::DataResync{kItems, 1, 0}, Micros(3) + std::chrono::seconds(1))
          .ok());
  pump(r.host, r.a, r.ma, Micros(4));
  EXPECT_TRUE(r.ma.refusals.empty());
  EXPECT_EQ(r.host.stats(r.a)->syncs_table, 3u);

  // The bystander saw none of it and still holds the store.
  server_set_hp(r.host, 1, 77);
  r.host.flush(Micros(5));
  pump(r.host, r.b, r.mb, Micros(5));
  EXPECT_TRUE(r.mb.refusals.empty());
  EXPECT_TRUE(r.mb.table_syncs.empty());
  EXPECT_EQ(r.mb.store, r.host.store());
  EXPECT_EQ(r.host.stats(r.b)->syncs_full, 1u);
}

TEST(Divergence, AMirrorRefusesAHashOfATablePastTheSchemaAndIgnoresOtherVersions) {
  DataHost host(arena_schema());
  populate(host, 3, 3);
  Link link(host);
  link.pump();
  protocol::DataStateHash bad;
  bad.version = link.db.version();
  bad.tables = {{kItems, 1}, {7, 0}};
  EXPECT_EQ(link.db.on_message(bad, Micros(1)).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(link.db.divergences(), 0u);  // nothing of it was compared
  protocol::DataStateHash old;
  old.version = link.db.version() - 1;
  old.tables = {{kItems, 1}};
  EXPECT_TRUE(link.db.on_message(old, Micros(1)).ok());
  EXPECT_EQ(link.db.divergences(), 0u);
  EXPECT_TRUE(link.db.take_outgoing().empty());
}

}  // namespace
}  // namespace theta_net::data
