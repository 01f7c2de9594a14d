// DataHost syncs: full snapshots with progress, batches during a sync, catch-up from the
// archive or a fresh snapshot, and the bounded queue (overflow and stalled clients).
#include <gtest/gtest.h>

#include "data_host_support.hpp"

namespace theta_net::data {
namespace {

using namespace host_testing;
using std::chrono::seconds;

DataHostConfig small_chunks() {
  DataHostConfig config;
  config.snapshot_chunk_bytes = 256;
  return config;
}

TEST(DataHostSync, AFullSyncSendsChunksEachFollowedByProgress) {
  DataHost host(arena_schema(), small_chunks());
  for (EntityId e = 1; e <= 200; ++e) put_player(host, e, static_cast<int>(e), 0, 0);
  ASSERT_EQ(host.flush(Micros(1)), 1u);
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(), Micros(2)).ok());
  const auto messages = pump(host, client, m, Micros(3));

  const auto& begin = std::get<protocol::DataSyncBegin>(messages.at(0));
  EXPECT_EQ(begin.mode, protocol::DataSyncMode::kFull);
  EXPECT_EQ(begin.version, 1u);
  EXPECT_EQ(begin.schema_hash, host.schema().hash());
  EXPECT_EQ(begin.schema_toml, host.schema().to_toml());
  EXPECT_EQ(begin.entities_total, 200u);
  ASSERT_GT(begin.chunks_total, 5u);
  ASSERT_EQ(messages.size(), 1 + 2 * std::size_t{begin.chunks_total});
  std::uint64_t bytes = 0, entities = 0;
  for (std::uint32_t i = 0; i < begin.chunks_total; ++i) {
    const auto& chunk = std::get<protocol::DataSnapshotChunk>(messages[1 + 2 * i]);
    const auto& progress = std::get<protocol::SyncProgress>(messages[2 + 2 * i]);
    EXPECT_EQ(chunk.index, i);
    EXPECT_EQ(chunk.sync_id, begin.sync_id);
    bytes += chunk.payload.size();
    entities += chunk.entities;
    EXPECT_EQ(progress.snapshot_id, begin.sync_id);
    EXPECT_EQ(progress.received, i + 1);
    EXPECT_EQ(progress.total, begin.chunks_total);
    EXPECT_EQ(progress.bytes, bytes);
    EXPECT_EQ(progress.entities, entities);
    EXPECT_EQ(progress.entities_total, 200u);
    EXPECT_EQ(progress.bytes_total, begin.bytes_total);
  }
  EXPECT_EQ(bytes, begin.bytes_total);
  EXPECT_EQ(m.store, host.store());
  const DataClientStats* stats = host.stats(client);
  EXPECT_TRUE(stats->ready);
  EXPECT_EQ(stats->syncs_full, 1u);
  EXPECT_EQ(stats->sync_started, Micros(2));
  EXPECT_EQ(stats->ready_at, Micros(3));
}

TEST(DataHostSync, AnEmptyStoreSyncsWithNoChunks) {
  DataHost host(arena_schema());
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(), Micros(0)).ok());
  const auto messages = pump(host, client, m);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(messages[0]).chunks_total, 0u);
  EXPECT_TRUE(host.stats(client)->ready);
  put_player(host, 1, 1, 2, 3);
  host.flush(Micros(1));
  pump(host, client, m);
  EXPECT_EQ(m.store, host.store());
}

TEST(DataHostSync, BatchesCommittedDuringASyncArriveAfterItInOrder) {
  DataHost host(arena_schema(), small_chunks());
  for (EntityId e = 1; e <= 100; ++e) put_player(host, e, 0, 0, 0);
  host.flush(Micros(1));
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(), Micros(1)).ok());
  // Half the sync goes out, then the world moves on three times, then the rest drains.
  drain_some(host, client, m);  // the DataSyncBegin
  drain_some(host, client, m);  // and a chunk
  ASSERT_TRUE(m.in_sync);
  ASSERT_GT(m.received, 0u);
  for (int round = 0; round < 3; ++round) {
    for (EntityId e = 1; e <= 100; e += 7) put_player(host, e, round, 1, 2, 50 + round);
    put_player(host, 500 + round, 9, 9, 9);
    host.flush(Micros(2 + round));
  }
  const auto rest = pump(host, client, m);
  const auto batches = all_of<protocol::DataBatch>(rest);
  ASSERT_EQ(batches.size(), 3u);
  for (std::size_t i = 0; i < batches.size(); ++i) {
    EXPECT_EQ(batches[i].base_version, 1 + i);
    EXPECT_EQ(batches[i].version, 2 + i);
  }
  EXPECT_EQ(m.store, host.store());
}

TEST(DataHostSync, ASubscriptionWhileOpsAreOpenWaitsForTheirVersion) {
  DataHost host(arena_schema());
  put_player(host, 1, 0, 0, 0);
  host.flush(Micros(1));
  put_player(host, 2, 5, 5, 5);  // open: the store holds it, no version does yet
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(), Micros(2)).ok());
  EXPECT_TRUE(host.drain(client, 1u << 20).empty());
  host.flush(Micros(3));
  const auto messages = pump(host, client, m);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(messages.at(0)).version, 2u);
  EXPECT_TRUE(all_of<protocol::DataBatch>(messages).empty());
  EXPECT_EQ(m.store, host.store());
}

TEST(DataHostSync, AReconnectingClientCatchesUpFromTheArchive) {
  DataHost host(arena_schema());
  const auto first = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(first, m.subscribe(), Micros(0)).ok());
  for (int v = 1; v <= 4; ++v) {
    put_player(host, static_cast<EntityId>(v), v, 0, 0);
    host.flush(Micros(v));
  }
  pump(host, first, m);
  host.remove_client(first);  // the connection drops; the world goes on
  for (int v = 5; v <= 9; ++v) {
    put_player(host, static_cast<EntityId>(v), v, 0, 0);
    host.flush(Micros(v));
  }
  const auto again = host.add_client(Micros(10));
  ASSERT_TRUE(host.on_message(again, m.subscribe(m.store.version()), Micros(10)).ok());
  const auto messages = pump(host, again, m);
  const auto& begin = std::get<protocol::DataSyncBegin>(messages.at(0));
  EXPECT_EQ(begin.mode, protocol::DataSyncMode::kArchive);
  EXPECT_EQ(begin.version, 9u);
  EXPECT_EQ(begin.chunks_total, 5u);
  EXPECT_EQ(all_of<protocol::DataBatch>(messages).size(), 5u);
  EXPECT_EQ(m.store, host.store());
  EXPECT_EQ(host.stats(again)->syncs_archive, 1u);
  EXPECT_TRUE(host.stats(again)->ready);
  // Asking from the version it holds gets an empty catch-up.
  ASSERT_TRUE(host.on_message(again, m.subscribe(9), Micros(11)).ok());
  const auto none = pump(host, again, m);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(none[0]).chunks_total, 0u);
}

TEST(DataHostSync, AClientFurtherBehindThanTheArchiveGetsASnapshot) {
  DataHostConfig config;
  config.archive.max_batches = 3;
  DataHost host(arena_schema(), config);
  for (int v = 1; v <= 8; ++v) {
    put_player(host, static_cast<EntityId>(v), v, 0, 0);
    host.flush(Micros(v));
  }
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(4), Micros(9)).ok());  // archive: 5..8 only
  const auto messages = pump(host, client, m);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(messages.at(0)).mode, protocol::DataSyncMode::kFull);
  EXPECT_EQ(m.store, host.store());
  ASSERT_TRUE(host.on_message(client, m.subscribe(5), Micros(9)).ok());  // 6..8: covered
  const auto archived = host.drain(client, 1u << 20);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(archived.at(0)).mode,
            protocol::DataSyncMode::kArchive);
  EXPECT_EQ(all_of<protocol::DataBatch>(archived).size(), 3u);
}

TEST(DataHostSync, AnOverflowingQueueIsDroppedAndResyncedFromTheArchive) {
  DataHostConfig config;
  config.max_queue_bytes = 2000;
  DataHost host(arena_schema(), config);
  const auto slow = host.add_client(Micros(0));
  const auto fast = host.add_client(Micros(0));
  Mirror ms(arena_schema()), mf(arena_schema());
  ASSERT_TRUE(host.on_message(slow, ms.subscribe(), Micros(0)).ok());
  ASSERT_TRUE(host.on_message(fast, mf.subscribe(), Micros(0)).ok());
  pump(host, slow, ms);
  pump(host, fast, mf);
  for (int v = 1; v <= 40; ++v) {
    for (EntityId e = 1; e <= 5; ++e) put_player(host, e, v, static_cast<int>(e), 0);
    host.flush(Micros(v));
    pump(host, fast, mf);  // the slow client reads nothing
  }
  const DataClientStats* stats = host.stats(slow);
  EXPECT_GE(stats->overflows, 1u);
  EXPECT_LE(stats->peak_queue_bytes, config.max_queue_bytes);
  EXPECT_EQ(stats->queue_bytes, 0u);
  const auto messages = pump(host, slow, ms);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(messages.at(0)).mode,
            protocol::DataSyncMode::kArchive);
  EXPECT_EQ(ms.store, host.store());
  EXPECT_EQ(mf.store, host.store());
  EXPECT_EQ(host.stats(fast)->overflows, 0u);
}

TEST(DataHostSync, AnOverflowPastTheArchiveResyncsWithASnapshot) {
  DataHostConfig config;
  config.max_queue_bytes = 2000;
  config.archive.max_batches = 4;
  DataHost host(arena_schema(), config);
  const auto slow = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(slow, m.subscribe(), Micros(0)).ok());
  pump(host, slow, m);
  for (int v = 1; v <= 40; ++v) {
    for (EntityId e = 1; e <= 5; ++e) put_player(host, e, v, 0, 0);
    host.flush(Micros(v));
  }
  EXPECT_GE(host.stats(slow)->overflows, 1u);
  const auto messages = pump(host, slow, m);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(messages.at(0)).mode, protocol::DataSyncMode::kFull);
  EXPECT_EQ(m.store, host.store());
  EXPECT_EQ(host.stats(slow)->syncs_full, 2u);
}

TEST(DataHostSync, AnOverflowInTheMiddleOfASnapshotStartsAFreshOne) {
  DataHostConfig config = small_chunks();
  config.max_queue_bytes = 1500;
  DataHost host(arena_schema(), config);
  for (EntityId e = 1; e <= 100; ++e) put_player(host, e, 0, 0, 0);
  host.flush(Micros(1));
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(), Micros(1)).ok());
  drain_some(host, client, m);
  drain_some(host, client, m);
  ASSERT_TRUE(m.in_sync);
  for (int v = 2; v <= 30; ++v) {
    for (EntityId e = 1; e <= 5; ++e) put_player(host, e, v, 0, 0);
    host.flush(Micros(v));
  }
  ASSERT_GE(host.stats(client)->overflows, 1u);
  const auto messages = pump(host, client, m);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(messages.at(0)).mode, protocol::DataSyncMode::kFull);
  EXPECT_EQ(m.store, host.store());
}

TEST(DataHostSync, AStalledClientIsResyncedWhenItReadsAgain) {
  DataHostConfig config;
  config.stalled_after = seconds(10);
  DataHost host(arena_schema(), config);
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(), Micros(0)).ok());
  pump(host, client, m);
  put_player(host, 1, 1, 1, 1);
  host.flush(seconds(1));
  host.handle_timeout(seconds(5));
  EXPECT_EQ(host.stats(client)->stalls, 0u);
  EXPECT_GT(host.stats(client)->queue_bytes, 0u);
  host.handle_timeout(seconds(11));
  EXPECT_EQ(host.stats(client)->stalls, 1u);
  EXPECT_EQ(host.stats(client)->queue_bytes, 0u);
  EXPECT_FALSE(host.stats(client)->ready);
  EXPECT_TRUE(host.drain(client, 0).empty());  // not reading: nothing starts
  const auto messages = pump(host, client, m, seconds(12));
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(messages.at(0)).mode,
            protocol::DataSyncMode::kArchive);
  EXPECT_EQ(m.store, host.store());
  EXPECT_TRUE(host.stats(client)->ready);
}

TEST(DataHostSync, AcknowledgementsAndDrainingKeepAClientFromStalling) {
  DataHostConfig config;
  config.stalled_after = seconds(10);
  DataHost host(arena_schema(), config);
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(), Micros(0)).ok());
  pump(host, client, m);
  for (int s = 1; s <= 60; ++s) {
    put_player(host, 1, s, 1, 1);
    host.flush(seconds(s));
    if (s % 5 == 0) {
      pump(host, client, m, seconds(s));
      protocol::DataAck ack;
      ack.version = m.store.version();
      ASSERT_TRUE(host.on_message(client, ack, seconds(s)).ok());
    }
    host.handle_timeout(seconds(s));
  }
  EXPECT_EQ(host.stats(client)->stalls, 0u);
  EXPECT_EQ(host.stats(client)->acked_version, 60u);
}

TEST(DataHostSync, AFlushPastTheBatchBoundClosesSeveralVersions) {
  const auto schema = arena_schema(65536);
  DataHost host(schema);
  const auto all = host.add_client(Micros(0));
  const auto some = host.add_client(Micros(0));
  Mirror ma(schema), ms(schema);
  ms.tables = {"players"};
  ASSERT_TRUE(host.on_message(all, ma.subscribe(), Micros(0)).ok());
  ASSERT_TRUE(host.on_message(some, ms.subscribe(), Micros(0)).ok());
  pump(host, all, ma);
  pump(host, some, ms);
  // One transaction may not exceed a batch...
  Transaction huge = host.transaction();
  for (EntityId e = 1; e <= 70; ++e) {
    ASSERT_TRUE(huge.set("players", e, "profile", "title", std::string(64000, 'a')).ok());
  }
  auto refused = host.commit(huge);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(host.store().size(), 0u);
  // ...but a tick of many may: its transactions are spread over consecutive versions.
  for (EntityId e = 1; e <= 70; ++e) {
    Transaction tx = host.transaction();
    ASSERT_TRUE(tx.set("players", e, "profile", "title", std::string(64000, 'b')).ok());
    ASSERT_TRUE(host.commit(tx).ok());
  }
  EXPECT_EQ(host.flush(Micros(1)), 2u);
  const auto batches = all_of<protocol::DataBatch>(pump(host, all, ma));
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_LE(batches[0].payload.size(), kMaxBatchPayloadBytes);
  EXPECT_EQ(batches[1].base_version, 1u);
  EXPECT_EQ(ma.store, host.store());
  // A filtered client gets one batch for the flush; too large here, so a snapshot serves it.
  pump(host, some, ms);
  EXPECT_EQ(ms.store.digest(), restricted(host.store(), {"players"}, {}).digest());
  EXPECT_EQ(host.archive().size(), 2u);
}

TEST(DataHostSync, ACreditSmallerThanTheNextMessageSendsNothing) {
  DataHost host(arena_schema());
  const auto client = host.add_client(Micros(0));
  Mirror m(arena_schema());
  ASSERT_TRUE(host.on_message(client, m.subscribe(), Micros(0)).ok());
  EXPECT_TRUE(host.drain(client, 10).empty());  // the DataSyncBegin holds the schema text
  EXPECT_GT(host.stats(client)->queue_bytes, 10u);
  EXPECT_EQ(pump(host, client, m).size(), 1u);
}

}  // namespace
}  // namespace theta_net::data
