// DataHost and ClientDB together: seeded runs where the server and several mirrors write while
// links deliver at their own pace, stall, overflow and reconnect; every mirror must end equal to
// the server's store restricted to its interest, with no write left pending.
#include <gtest/gtest.h>

#include <deque>

#include "data_host_support.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/data/client_db.hpp"

namespace theta_net::data {
namespace {

using namespace host_testing;
using std::chrono::milliseconds;

struct Peer {
  ClientDbConfig config;
  bool compression = false;
  std::unique_ptr<ClientDB> db;
  DataHost::ClientId id = 0;
  std::deque<protocol::AnyMessage> down;  // drained by the host, not yet delivered
  int stalled_until = 0;                  // the step until which it reads nothing
  int reconnects = 0;
};

struct RunResult {
  std::size_t converged = 0;
  std::uint64_t overflows = 0, stalls = 0, archive_syncs = 0, full_syncs = 0;
  std::uint64_t accepted = 0;
  std::uint64_t hashes_checked = 0, divergences = 0, table_syncs = 0;
  std::vector<Bytes> trace;  // every message delivered to a mirror, encoded
};

Transaction random_server_write(DataHost& host, Rng& rng) {
  Transaction tx = host.transaction();
  const EntityId e = 1 + rng.uniform(40);
  switch (rng.uniform(6)) {
    case 0:
      EXPECT_TRUE(tx.remove_entity(rng.uniform(2) ? "players" : "items", e).ok());
      break;
    case 1:
      EXPECT_TRUE(tx.set("items", e, "item", "count", std::int64_t(rng.uniform(1000))).ok());
      break;
    case 2:
      EXPECT_TRUE(tx.remove_component("players", e, "health").ok());
      break;
    default:
      for (const char* axis : {"x", "y", "z"}) {
        EXPECT_TRUE(
            tx.set("players", e, "position", axis, std::int64_t(rng.uniform_int(-20, 60))).ok());
      }
      EXPECT_TRUE(tx.set("players", e, "health", "hp", std::int64_t(rng.uniform(101))).ok());
      break;
  }
  return tx;
}

Transaction random_client_write(const ClientDB& db, Rng& rng) {
  Transaction tx(db.view().schema_ptr());
  const EntityId e = 1 + rng.uniform(40);
  if (rng.uniform(2)) {
    EXPECT_TRUE(tx.set("players", e, "health", "hp", std::int64_t(rng.uniform(101))).ok());
    EXPECT_TRUE(
        tx.set("players", e, "profile", "title", "t" + std::to_string(rng.uniform(99))).ok());
  } else {
    EXPECT_TRUE(tx.set("items", e, "item", "kind", std::int64_t(rng.uniform(16))).ok());
  }
  return tx;
}

// Changes one entity of a table `db` mirrors whole, behind the server's back.
void corrupt(ClientDB& db, const ClientDbConfig& config, Rng& rng) {
  const bool items = config.tables == std::vector<std::string>{"items"} ||
                     (config.tables.empty() && (!config.cells.empty() || rng.uniform(2) == 0));
  Op op;
  op.table = items ? kItems : kPlayers;
  op.entity = 1 + rng.uniform(40);
  // items: item.count; players: health.hp
  op.writes = {{static_cast<std::uint16_t>(items ? 0 : 1),
                {{static_cast<std::uint16_t>(items ? 1 : 0),
                  Value{static_cast<std::int64_t>(rng.uniform(101))}}}}};
  EXPECT_TRUE(db.corrupt_for_testing({op}).ok());
}

// `corrupt_one_in`: each step, each ready mirror is corrupted with this chance (0: never) until
// 100 steps before the end.
RunResult run_once(std::uint64_t seed, int steps, std::uint64_t corrupt_one_in = 0) {
  DataHostConfig config;
  config.table_resync_burst = 16;
  config.snapshot_chunk_bytes = 512;
  config.max_queue_bytes = 6000;
  config.compress_above = 200;
  config.archive.max_batches = 40;
  config.stalled_after = milliseconds(400);
  DataHost host(arena_schema(), config);
  Rng rng(seed);
  std::vector<Peer> peers(5);
  peers[1].config.tables = {"items"};
  peers[2].config.cells = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  peers[3].compression = true;
  peers[4].compression = true;
  peers[4].config.tables = {"players"};
  RunResult result;
  auto connect = [&](Peer& p, Micros now) {
    p.id = host.add_client(now, p.compression);
    p.down.clear();
  };
  for (auto& p : peers) {
    p.db = std::make_unique<ClientDB>(arena_schema(), p.config);
    connect(p, Micros(0));
    p.db->subscribe(Micros(0));
  }
  auto exchange = [&](Peer& p, Micros now, std::size_t credit, std::size_t deliver) {
    for (auto& m : host.drain(p.id, credit)) p.down.push_back(std::move(m));
    for (; deliver > 0 && !p.down.empty(); --deliver) {
      Bytes body;
      EXPECT_TRUE(protocol::encode_body(p.down.front(), body).ok());
      result.trace.push_back(std::move(body));
      auto applied = p.db->on_message(p.down.front(), now);
      EXPECT_TRUE(applied.ok()) << applied.error().describe();
      p.down.pop_front();
    }
    p.db->handle_timeout(now);
    for (const auto& m : p.db->take_outgoing()) EXPECT_TRUE(host.on_message(p.id, m, now).ok());
  };
  for (int step = 1; step <= steps; ++step) {
    const Micros now = milliseconds(10 * step);
    for (int k = static_cast<int>(rng.uniform(4)); k > 0; --k) {
      auto committed = host.commit(random_server_write(host, rng));
      EXPECT_TRUE(committed.ok()) << committed.error().describe();
    }
    host.flush(now);
    host.handle_timeout(now);
    for (auto& p : peers) {
      if (rng.uniform(200) == 0) p.stalled_until = step + 20 + static_cast<int>(rng.uniform(60));
      if (rng.uniform(400) == 0) {  // the connection drops and comes back
        host.remove_client(p.id);
        connect(p, now);
        p.db->on_reconnect(now);
        ++p.reconnects;
      }
      if (p.db->status().state == SyncState::kReady && p.db->pending_writes() < 8 &&
          rng.uniform(5) == 0) {
        (void)p.db->write(random_client_write(*p.db, rng));
      }
      if (corrupt_one_in > 0 && step + 100 < steps && p.db->status().state == SyncState::kReady &&
          rng.uniform(corrupt_one_in) == 0) {
        corrupt(*p.db, p.config, rng);
      }
      if (step < p.stalled_until) continue;
      exchange(p, now, 200 + rng.uniform(4000), 1 + rng.uniform(6));
    }
  }
  // Quiet: nothing new is written; everything in flight arrives.
  for (int round = 0; round < 50; ++round) {
    const Micros now = milliseconds(10 * (steps + 1 + round));
    host.flush(now);
    for (auto& p : peers) exchange(p, now, 64u << 20, 1u << 20);
  }
  for (auto& p : peers) {
    const Store expected = restricted(host.store(), p.config.tables, p.config.cells);
    EXPECT_EQ(p.db->status().state, SyncState::kReady) << p.db->refusal();
    EXPECT_EQ(p.db->pending_writes(), 0u);
    EXPECT_EQ(p.db->view().digest(), expected.digest())
        << "tables " << p.config.tables.size() << " cells " << p.config.cells.size();
    if (p.db->view().digest() == expected.digest()) ++result.converged;
    const DataClientStats* s = host.stats(p.id);
    result.overflows += s->overflows;
    result.stalls += s->stalls;
    result.archive_syncs += s->syncs_archive;
    result.full_syncs += s->syncs_full;
    result.accepted += s->writes_accepted;
    result.hashes_checked += p.db->state_hashes_checked();
    result.divergences += p.db->divergences();
    result.table_syncs += s->syncs_table;
  }
  return result;
}

TEST(DataHostWithClientDb, EveryMirrorConvergesThroughStallsOverflowsAndReconnects) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const RunResult r = run_once(seed, 600);
    EXPECT_EQ(r.converged, 5u) << "seed " << seed;
    EXPECT_GT(r.accepted, 0u);
    // The run exercised what it claims to.
    EXPECT_GT(r.overflows + r.stalls, 0u) << "seed " << seed;
    EXPECT_GT(r.archive_syncs, 0u) << "seed " << seed;
    // Every mirror's state hashes agreed with the server's throughout: no false divergence.
    EXPECT_GT(r.hashes_checked, 0u);
    EXPECT_EQ(r.divergences, 0u) << "seed " << seed;
    EXPECT_EQ(r.table_syncs, 0u) << "seed " << seed;
  }
}

TEST(DataHostWithClientDb, CorruptedMirrorsAreRepairedThroughStallsOverflowsAndReconnects) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const RunResult r = run_once(seed, 600, 250);
    EXPECT_EQ(r.converged, 5u) << "seed " << seed;
    EXPECT_GT(r.divergences, 0u) << "seed " << seed;
    EXPECT_GT(r.table_syncs, 0u) << "seed " << seed;
  }
}

TEST(DataHostWithClientDb, TheSameSeedGivesTheSameMessages) {
  EXPECT_EQ(run_once(9, 200).trace, run_once(9, 200).trace);
}

TEST(DataHostWithClientDb, ADictionaryNegotiatedInTheSubscriptionIsUsed) {
  std::vector<Bytes> recording;
  DataHostConfig config;
  config.compress_above = 32;
  config.record_batch = [&](Version, ByteSpan p) { recording.emplace_back(p.begin(), p.end()); };
  DataHost host(arena_schema(), config);
  Rng rng(3);
  for (int b = 0; b < 200; ++b) {
    for (int k = 0; k < 20; ++k) ASSERT_TRUE(host.commit(random_server_write(host, rng)).ok());
    host.flush(Micros(b));
  }
  auto dictionary = BatchCompressor::train(recording, 2048);
  ASSERT_TRUE(dictionary.ok()) << dictionary.error().describe();
  ASSERT_TRUE(host.set_dictionary(*dictionary).ok());
  ClientDB db(arena_schema());
  ASSERT_TRUE(db.load_dictionary(*dictionary).ok());
  const auto id = host.add_client(Micros(0), true);
  db.subscribe(Micros(0));
  std::size_t packed_with_dictionary = 0;
  for (int b = 0; b < 100; ++b) {
    for (int k = 0; k < 20; ++k) ASSERT_TRUE(host.commit(random_server_write(host, rng)).ok());
    host.flush(Micros(1000 + b));
    for (const auto& m : db.take_outgoing()) ASSERT_TRUE(host.on_message(id, m, Micros(b)).ok());
    for (const auto& m : host.drain(id, 1u << 20)) {
      if (const auto* batch = std::get_if<protocol::DataBatch>(&m)) {
        packed_with_dictionary += batch->encoding == protocol::DataEncoding::kZstdDictionary;
      }
      ASSERT_TRUE(db.on_message(m, Micros(b)).ok());
    }
  }
  EXPECT_GT(packed_with_dictionary, 50u);
  EXPECT_EQ(db.view(), host.store());
}

}  // namespace
}  // namespace theta_net::data
