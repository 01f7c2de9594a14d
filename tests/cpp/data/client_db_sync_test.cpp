// ClientDB: subscription, full sync with progress, archive catch-up, live batches, duplicates,
// gaps, schema checks and bad input, driven by hand-built messages.
#include <gtest/gtest.h>

#include "client_db_fixture.hpp"
#include "theta_net/data/batch_compressor.hpp"

namespace theta_net::data {
namespace {

using namespace client_testing;
using protocol::AnyMessage;
using protocol::DataSyncMode;

// A server with `n` players (hp = 10 + id % 90) and a few items.
HandServer populated(int n, std::shared_ptr<const DataSchema> schema = arena_schema()) {
  HandServer server(std::move(schema));
  Transaction tx = server.tx();
  for (int id = 1; id <= n; ++id) {
    EXPECT_TRUE(tx.set("players", id, "health", "hp", std::int64_t{10 + id % 90}).ok());
    if (id % 3 == 0) {
      EXPECT_TRUE(tx.set("players", id, "tag", "text", std::string("p")).ok());
    }
  }
  for (int id = 1; id <= 5; ++id) {
    EXPECT_TRUE(tx.set("items", id * 100, "stack", "count", std::int64_t{id}).ok());
  }
  server.commit(tx);
  return server;
}

TEST(ClientDbSync, SubscribeAsksForAFullSnapshotWithTheExpectedSchemasHashes) {
  const auto schema = arena_schema(1);
  ClientDbConfig config;
  config.tables = {"players"};
  config.cells = {protocol::Vec3i{1, 2, 3}};
  ClientDB db(schema, config);
  EXPECT_EQ(db.status().state, SyncState::kIdle);
  db.subscribe(Micros{0});
  EXPECT_EQ(db.status().state, SyncState::kSyncing);
  const auto subscribes = of_type<protocol::DataSubscribe>(db.take_outgoing());
  ASSERT_EQ(subscribes.size(), 1u);
  EXPECT_EQ(subscribes[0].schema_hash, schema->hash());
  EXPECT_EQ(subscribes[0].schema_hashes, schema->hashes());
  EXPECT_EQ(subscribes[0].from_version, 0u);
  EXPECT_EQ(subscribes[0].tables, config.tables);
  EXPECT_EQ(subscribes[0].cells, config.cells);
  EXPECT_TRUE(subscribes[0].dictionary_ids.empty());
}

TEST(ClientDbSync, AFullSyncBuildsTheServersStoreAndAnswersClientReady) {
  HandServer server = populated(60);
  ClientDB db(arena_schema());
  db.subscribe(Micros{0});
  db.take_outgoing();
  const auto messages = server.full_sync(128);
  ASSERT_GT(messages.size(), 5u);  // several chunks
  // Until the last chunk is in, the view is the (empty) store it had.
  for (std::size_t i = 0; i + 2 < messages.size(); ++i) {
    ASSERT_TRUE(db.on_message(messages[i], Micros{0}).ok());
    EXPECT_EQ(db.view().size(), 0u);
    EXPECT_EQ(db.status().state, SyncState::kSyncing);
  }
  EXPECT_TRUE(db.take_outgoing().empty());
  deliver(db, {messages[messages.size() - 2], messages.back()});
  EXPECT_EQ(db.status().state, SyncState::kReady);
  EXPECT_EQ(db.version(), server.store().version());
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
  EXPECT_EQ(db.schema(), server.schema());
  const auto ready = of_type<protocol::ClientReady>(db.take_outgoing());
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].snapshot_id, server.sync_id());
  EXPECT_EQ(ready[0].version, server.store().version());
}

TEST(ClientDbSync, SyncProgressUpdatesTheStatus) {
  HandServer server = populated(40);
  ClientDB db(arena_schema());
  db.subscribe(Micros{0});
  const auto messages = server.full_sync(100);
  deliver(db, messages[0]);
  const auto& begin = std::get<protocol::DataSyncBegin>(messages[0]);
  EXPECT_EQ(db.status().sync_id, begin.sync_id);
  EXPECT_EQ(db.status().target_version, begin.version);
  EXPECT_EQ(db.status().entities_total, begin.entities_total);
  EXPECT_EQ(db.status().entities_done, 0u);
  for (std::size_t i = 2; i < messages.size(); i += 2) {
    deliver(db, {messages[i - 1], messages[i]});
    const auto& progress = std::get<protocol::SyncProgress>(messages[i]);
    EXPECT_EQ(db.status().entities_done, progress.entities);
    EXPECT_EQ(db.status().bytes_done, progress.bytes);
    EXPECT_EQ(db.status().bytes_total, progress.bytes_total);
  }
  EXPECT_EQ(db.status().entities_done, 45u);
  EXPECT_EQ(db.status().state, SyncState::kReady);
}

TEST(ClientDbSync, AnEmptyStoreIsSyncedByItsBeginAlone) {
  HandServer server(arena_schema());
  ClientDB db(arena_schema());
  db.subscribe(Micros{0});
  db.take_outgoing();
  const auto messages = server.full_sync();
  ASSERT_EQ(messages.size(), 1u);
  deliver(db, messages);
  EXPECT_EQ(db.status().state, SyncState::kReady);
  EXPECT_EQ(of_type<protocol::ClientReady>(db.take_outgoing()).size(), 1u);
}

TEST(ClientDbSync, LiveBatchesApplyInOrderWithLatencySamples) {
  HandServer server = populated(10);
  ClientDB db(arena_schema());
  sync_fully(db, server);
  Transaction a = server.tx();
  ASSERT_TRUE(a.set("players", 3, "health", "hp", std::int64_t{1}).ok());
  ASSERT_TRUE(a.remove_entity("players", 4).ok());
  const auto first = server.commit(a, Micros{1000});
  Transaction b = server.tx();
  ASSERT_TRUE(b.set("items", 900, "stack", "count", std::int64_t{64}).ok());
  const auto second = server.commit(b, Micros{2000});
  deliver(db, first, Micros{1500});
  deliver(db, second, Micros{2250});
  EXPECT_EQ(db.version(), server.store().version());
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
  EXPECT_EQ(db.batches_applied(), 2u);
  EXPECT_EQ(db.take_latency_samples(), (std::vector<Micros>{Micros{500}, Micros{250}}));
  EXPECT_TRUE(db.take_latency_samples().empty());
}

TEST(ClientDbSync, ADuplicateBatchIsIgnored) {
  HandServer server = populated(10);
  ClientDB db(arena_schema());
  sync_fully(db, server);
  Transaction a = server.tx();
  ASSERT_TRUE(a.set("players", 3, "health", "hp", std::int64_t{1}).ok());
  const auto first = server.commit(a);
  Transaction b = server.tx();
  ASSERT_TRUE(b.set("players", 3, "health", "hp", std::int64_t{2}).ok());
  const auto second = server.commit(b);
  deliver(db, {first, second, first, second});
  EXPECT_EQ(db.batches_applied(), 2u);
  EXPECT_EQ(int_field(db.view(), kPlayers, 3, kHealth, kHp), 2);
  EXPECT_TRUE(db.take_outgoing().empty());  // nothing to ask for
}

// (A 1.4 session asks for exactly the missing versions instead: gap_nack_test.cpp.)
TEST(ClientDbSync, AGapInAnOlderSessionMakesTheMirrorAskForTheBatchesAfterItsVersion) {
  HandServer server = populated(10);
  ClientDB db(arena_schema());
  db.set_protocol_minor(3);
  sync_fully(db, server);
  const Version held = db.version();
  std::vector<protocol::DataBatch> batches;
  for (int i = 0; i < 4; ++i) {
    Transaction tx = server.tx();
    ASSERT_TRUE(tx.set("players", 1, "health", "armor", std::int64_t{i}).ok());
    batches.push_back(server.commit(tx));
  }
  // Batches 2..4 arrive without batch 1: one request, however many gapped batches come.
  deliver(db, {batches[1], batches[2], batches[3]});
  EXPECT_EQ(db.version(), held);
  EXPECT_EQ(db.status().state, SyncState::kSyncing);
  const auto subscribes = of_type<protocol::DataSubscribe>(db.take_outgoing());
  ASSERT_EQ(subscribes.size(), 1u);
  EXPECT_EQ(subscribes[0].from_version, held);

  // The server answers from its archive: catching up, then ready at the sync's version.
  auto begin = server.begin(DataSyncMode::kArchive, 4);
  deliver(db, begin);
  EXPECT_EQ(db.status().state, SyncState::kCatchingUp);
  EXPECT_EQ(db.status().target_version, server.store().version());
  deliver(db, {batches[0], batches[1], batches[2]});
  EXPECT_EQ(db.status().state, SyncState::kCatchingUp);
  EXPECT_TRUE(db.take_outgoing().empty());
  deliver(db, batches[3]);
  EXPECT_EQ(db.status().state, SyncState::kReady);
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
  const auto ready = of_type<protocol::ClientReady>(db.take_outgoing());
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].snapshot_id, begin.sync_id);
  EXPECT_EQ(ready[0].version, server.store().version());
  EXPECT_TRUE(db.take_latency_samples().empty());  // catch-up batches are not live
}

TEST(ClientDbSync, AnArchiveSyncWithNothingMissedIsReadyAtOnce) {
  HandServer server = populated(3);
  ClientDB db(arena_schema());
  sync_fully(db, server);
  db.on_reconnect(Micros{0});
  EXPECT_EQ(of_type<protocol::DataSubscribe>(db.take_outgoing())[0].from_version, db.version());
  deliver(db, server.begin(DataSyncMode::kArchive));
  EXPECT_EQ(db.status().state, SyncState::kReady);
}

TEST(ClientDbSync, AnIncompatibleSchemaIsRefusedNamingBothHashes) {
  // Same names, another field type: a different schema at minor 0.
  std::string other = arena_toml();
  other.replace(other.find("max = 100"), 9, "max = 200");
  auto server_schema = DataSchema::from_toml(other);
  ASSERT_TRUE(server_schema.ok());
  HandServer server(server_schema.value());
  const auto expected = arena_schema();
  ClientDB db(expected);
  db.subscribe(Micros{0});
  const auto messages = server.full_sync();
  EXPECT_TRUE(db.on_message(messages[0], Micros{0}).ok());
  EXPECT_EQ(db.status().state, SyncState::kRefused);
  char server_hash[19], expected_hash[19];
  std::snprintf(server_hash, sizeof server_hash, "0x%016llx",
                static_cast<unsigned long long>(server.schema().hash()));
  std::snprintf(expected_hash, sizeof expected_hash, "0x%016llx",
                static_cast<unsigned long long>(expected->hash()));
  EXPECT_NE(db.refusal().find(server_hash), std::string::npos) << db.refusal();
  EXPECT_NE(db.refusal().find(expected_hash), std::string::npos) << db.refusal();
  // Nothing of the refused sync is taken.
  EXPECT_EQ(db.on_message(server.commit(server.tx().ops()), Micros{0}).error().code,
            ErrorCode::kState);
  EXPECT_EQ(db.version(), 0u);
}

TEST(ClientDbSync, ACompatibleMinorIsAcceptedEitherWay) {
  // The server is a minor ahead (an appended optional field the client does not know).
  {
    HandServer server = populated(5, arena_schema(1));
    ClientDB db(arena_schema(0));
    sync_fully(db, server);
    EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
    EXPECT_EQ(db.schema().minor(), 1);
  }
  // The client is a minor ahead.
  {
    HandServer server = populated(5, arena_schema(0));
    ClientDB db(arena_schema(1));
    sync_fully(db, server);
    EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
    EXPECT_EQ(db.schema().minor(), 0);
  }
}

TEST(ClientDbSync, ASchemaTextThatDoesNotMatchItsHashIsRefused) {
  HandServer server = populated(2);
  ClientDB db(arena_schema());
  db.subscribe(Micros{0});
  auto begin = server.begin(DataSyncMode::kFull);
  begin.schema_hash ^= 1;
  EXPECT_EQ(db.on_message(begin, Micros{0}).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(db.status().state, SyncState::kRefused);
  begin.schema_toml = "[schema";
  db.subscribe(Micros{0});
  EXPECT_FALSE(db.on_message(begin, Micros{0}).ok());
  EXPECT_EQ(db.status().state, SyncState::kRefused);
}

TEST(ClientDbSync, MessagesOutOfTheirSyncsOrderAreStateErrors) {
  HandServer server = populated(30);
  ClientDB db(arena_schema());
  const auto messages = server.full_sync(100);
  // Before subscribe().
  EXPECT_EQ(db.on_message(messages[0], Micros{0}).error().code, ErrorCode::kState);
  db.subscribe(Micros{0});
  // A chunk without its begin.
  EXPECT_EQ(db.on_message(messages[1], Micros{0}).error().code, ErrorCode::kState);
  // A batch before any snapshot.
  EXPECT_EQ(db.on_message(server.commit(server.tx().ops()), Micros{0}).error().code,
            ErrorCode::kState);
  deliver(db, messages[0]);
  // A chunk and a progress of another sync.
  auto stray = std::get<protocol::DataSnapshotChunk>(messages[1]);
  stray.sync_id += 7;
  EXPECT_EQ(db.on_message(stray, Micros{0}).error().code, ErrorCode::kState);
  auto progress = std::get<protocol::SyncProgress>(messages[2]);
  progress.snapshot_id += 7;
  EXPECT_EQ(db.on_message(progress, Micros{0}).error().code, ErrorCode::kState);
  // The sync itself goes on.
  for (std::size_t i = 1; i < messages.size(); ++i) deliver(db, messages[i]);
  EXPECT_EQ(db.status().state, SyncState::kReady);
  // Messages the mirror does not take.
  EXPECT_EQ(db.on_message(protocol::DataAck{1}, Micros{0}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(db.on_message(protocol::ChunkUnload{}, Micros{0}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(ClientDbSync, ABatchThatFailsToDecodeLeavesTheMirrorAndResubscribes) {
  HandServer server = populated(10);
  ClientDB db(arena_schema());
  sync_fully(db, server);
  const Bytes before = db.view().canonical_bytes();
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 2, "health", "hp", std::int64_t{3}).ok());
  ASSERT_TRUE(tx.set("players", 5, "health", "hp", std::int64_t{4}).ok());
  auto batch = server.commit(tx);
  auto truncated = batch;
  truncated.payload.pop_back();
  EXPECT_FALSE(db.on_message(truncated, Micros{0}).ok());
  auto lying = batch;
  lying.ops = 3;  // more ops than the payload holds
  EXPECT_FALSE(db.on_message(lying, Micros{0}).ok());
  auto backwards = batch;
  backwards.version = backwards.base_version;
  EXPECT_EQ(db.on_message(backwards, Micros{0}).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(db.view().canonical_bytes(), before);
  const auto subscribes = of_type<protocol::DataSubscribe>(db.take_outgoing());
  ASSERT_EQ(subscribes.size(), 1u);  // one request while its answer is awaited
  EXPECT_EQ(subscribes[0].from_version, db.version());
  // The intact batch still applies.
  deliver(db, batch);
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
}

TEST(ClientDbSync, ABrokenSnapshotLeavesTheOldStoreAndResubscribes) {
  HandServer server = populated(30);
  ClientDB db(arena_schema());
  sync_fully(db, server);
  const Bytes before = db.view().canonical_bytes();
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 77, "health", "hp", std::int64_t{3}).ok());
  server.commit(tx);
  auto messages = server.full_sync(100);
  ASSERT_GT(messages.size(), 4u);
  // The second chunk carries one entity fewer than it says.
  auto& chunk = std::get<protocol::DataSnapshotChunk>(messages[3]);
  chunk.entities += 1;
  deliver(db, {messages[0], messages[1], messages[2]});
  EXPECT_FALSE(db.on_message(messages[3], Micros{0}).ok());
  EXPECT_EQ(db.view().canonical_bytes(), before);
  EXPECT_EQ(of_type<protocol::DataSubscribe>(db.take_outgoing()).size(), 1u);
  // The rest of that sync is another sync's now.
  EXPECT_EQ(db.on_message(messages[5], Micros{0}).error().code, ErrorCode::kState);
  // A chunk index out of order is refused too.
  auto again = server.full_sync(100);
  deliver(db, again[0]);
  EXPECT_EQ(db.on_message(again[3], Micros{0}).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(db.view().canonical_bytes(), before);
}

TEST(ClientDbSync, ASnapshotPastMaxSnapshotBytesIsRefused) {
  HandServer server = populated(60);
  ClientDbConfig config;
  config.max_snapshot_bytes = 200;
  ClientDB db(arena_schema(), config);
  db.subscribe(Micros{0});
  const auto messages = server.full_sync(100);
  Status last;
  for (const auto& message : messages) {
    last = db.on_message(message, Micros{0});
    if (db.status().state == SyncState::kRefused) break;
  }
  EXPECT_EQ(db.status().state, SyncState::kRefused);
  EXPECT_EQ(last.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(db.refusal().find("max_snapshot_bytes"), std::string::npos) << db.refusal();
  EXPECT_EQ(db.view().size(), 0u);
}

TEST(ClientDbSync, AChunkOverTheDecodersLimitsIsBrokenNotTooLarge) {
  HandServer server = populated(5);
  ClientDB db(arena_schema());
  db.subscribe(Micros{0});
  db.take_outgoing();
  auto messages = server.full_sync();
  auto& begin = std::get<protocol::DataSyncBegin>(messages[0]);
  begin.entities_total = 1u << 30;
  auto& chunk = std::get<protocol::DataSnapshotChunk>(messages[1]);
  chunk.entities = (1u << 20) + 1;  // past OpLimits::max_ops
  deliver(db, messages[0]);
  EXPECT_EQ(db.on_message(chunk, Micros{0}).error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(db.status().state, SyncState::kSyncing);  // asks again rather than refusing
  EXPECT_EQ(of_type<protocol::DataSubscribe>(db.take_outgoing()).size(), 1u);
}

TEST(ClientDbSync, TheServersRefusalStopsTheSync) {
  ClientDB db(arena_schema());
  db.subscribe(Micros{0});
  protocol::DataRefused refused;
  refused.reason = protocol::DataRefuseReason::kUnknownTable;
  refused.text = "no table 'ghosts'";
  deliver(db, refused);
  EXPECT_EQ(db.status().state, SyncState::kRefused);
  EXPECT_NE(db.refusal().find("unknown_table"), std::string::npos) << db.refusal();
  EXPECT_NE(db.refusal().find("ghosts"), std::string::npos) << db.refusal();
  db.subscribe(Micros{0});  // trying again
  EXPECT_EQ(db.status().state, SyncState::kSyncing);
  EXPECT_TRUE(db.refusal().empty());
}

TEST(ClientDbSync, CompressedBatchesAreUnpackedWithTheSyncsDictionary) {
  HandServer server = populated(10);
  std::vector<Bytes> samples;
  for (int i = 0; i < 64; ++i) {
    Transaction tx = server.tx();
    for (int id = 1; id <= 8; ++id) {
      ASSERT_TRUE(tx.set("players", id + i, "health", "hp", std::int64_t{(i * id) % 100}).ok());
    }
    samples.push_back(encode_ops(server.schema(), tx.ops()));
  }
  auto dictionary = BatchCompressor::train(samples, 1024);
  ASSERT_TRUE(dictionary.ok()) << dictionary.error().describe();
  BatchCompressor packer;
  ASSERT_TRUE(packer.set_dictionary(dictionary.value()).ok());

  ClientDB db(arena_schema());
  ASSERT_TRUE(db.load_dictionary(dictionary.value()).ok());
  db.subscribe(Micros{0});
  const auto subscribe = of_type<protocol::DataSubscribe>(db.take_outgoing());
  EXPECT_EQ(subscribe[0].dictionary_ids, (std::vector<std::uint64_t>{packer.dictionary_id()}));
  auto messages = server.full_sync();
  std::get<protocol::DataSyncBegin>(messages[0]).dictionary_id = packer.dictionary_id();
  deliver(db, messages);

  for (int round = 0; round < 2; ++round) {
    Transaction tx = server.tx();
    for (int id = 1; id <= 8; ++id) {
      ASSERT_TRUE(tx.set("players", id, "health", "hp", std::int64_t{id + round}).ok());
    }
    auto batch = server.commit(tx);
    const bool with_dictionary = round == 1;
    batch.payload = packer.compress(batch.payload, with_dictionary);
    batch.encoding =
        with_dictionary ? protocol::DataEncoding::kZstdDictionary : protocol::DataEncoding::kZstd;
    deliver(db, batch);
  }
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());

  // A mirror without the dictionary cannot read such a batch: it asks again.
  ClientDB plain(arena_schema());
  sync_fully(plain, server);
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 1, "health", "hp", std::int64_t{99}).ok());
  auto batch = server.commit(tx);
  batch.payload = packer.compress(batch.payload, true);
  batch.encoding = protocol::DataEncoding::kZstdDictionary;
  EXPECT_EQ(plain.on_message(batch, Micros{0}).error().code, ErrorCode::kState);
  EXPECT_EQ(of_type<protocol::DataSubscribe>(plain.take_outgoing()).size(), 1u);
}

TEST(ClientDbSync, AcksGoOutEveryIntervalWhenTheVersionMoved) {
  HandServer server = populated(3);
  ClientDbConfig config;
  config.ack_interval = Micros{100};
  ClientDB db(arena_schema(), config);
  sync_fully(db, server, Micros{0});
  db.handle_timeout(Micros{50});
  EXPECT_TRUE(db.take_outgoing().empty());  // not yet due
  db.handle_timeout(Micros{100});
  auto acks = of_type<protocol::DataAck>(db.take_outgoing());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].version, 1u);
  db.handle_timeout(Micros{200});
  EXPECT_TRUE(db.take_outgoing().empty());  // the version did not move
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 1, "health", "hp", std::int64_t{5}).ok());
  deliver(db, server.commit(tx));
  db.handle_timeout(Micros{250});
  EXPECT_TRUE(db.take_outgoing().empty());  // due at 300
  db.handle_timeout(Micros{300});
  acks = of_type<protocol::DataAck>(db.take_outgoing());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].version, 2u);
}

TEST(ClientDbSync, AFullResyncReplacesTheStoreWholesale) {
  HandServer server = populated(20);
  ClientDB db(arena_schema());
  sync_fully(db, server);
  Transaction tx = server.tx();
  for (int id = 1; id <= 20; id += 2) ASSERT_TRUE(tx.remove_entity("players", id).ok());
  ASSERT_TRUE(tx.set("players", 500, "tag", "text", std::string("new")).ok());
  server.commit(tx);
  // A server-initiated resync (its queue for this client overflowed): no subscribe needed.
  deliver(db, server.full_sync(90));
  EXPECT_EQ(db.status().state, SyncState::kReady);
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
}

}  // namespace
}  // namespace theta_net::data
