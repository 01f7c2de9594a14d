// A hand-driven server for ClientDB tests: a Store it commits transactions to, and the wire
// messages a DataHost would send for them (sync begins, snapshot chunks with progress, batches),
// built with op_codec so the tests do not depend on DataHost.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "theta_net/data/client_db.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/data/transaction.hpp"

namespace theta_net::data::testing {

// Players with health (hp, armor) and a name; items with a stack count.
inline std::string arena_toml(int minor = 0) {
  std::string text = "[schema]\nname = \"arena\"\nversion = \"1." + std::to_string(minor) +
                     "\"\n\n"
                     "[[table]]\nname = \"players\"\n"
                     "[[table.component]]\nname = \"health\"\nfields = [\n"
                     "  { name = \"hp\", type = \"int\", min = 0, max = 100, default = 100 },\n"
                     "  { name = \"armor\", type = \"int\", min = 0, max = 50 },\n";
  if (minor >= 1)
    text += "  { name = \"shield\", type = \"int\", min = 0, max = 9, since = \"1.1\" },\n";
  text +=
      "]\n"
      "[[table.component]]\nname = \"tag\"\nfields = [\n"
      "  { name = \"text\", type = \"string\", max = 32 },\n"
      "]\n\n"
      "[[table]]\nname = \"items\"\n"
      "[[table.component]]\nname = \"stack\"\nfields = [\n"
      "  { name = \"count\", type = \"int\", min = 0, max = 64 },\n"
      "]\n";
  return text;
}

inline std::shared_ptr<const DataSchema> arena_schema(int minor = 0) {
  auto schema = DataSchema::from_toml(arena_toml(minor));
  EXPECT_TRUE(schema.ok()) << (schema.ok() ? "" : schema.error().describe());
  return schema.value();
}

// Table, component and field indices of the arena schema.
inline constexpr std::uint16_t kPlayers = 0, kItems = 1;
inline constexpr std::uint16_t kHealth = 0, kTag = 1, kStack = 0;
inline constexpr std::uint16_t kHp = 0, kArmor = 1, kText = 0, kCount = 0;

class HandServer {
 public:
  explicit HandServer(std::shared_ptr<const DataSchema> schema)
      : schema_(std::move(schema)), store_(schema_) {}

  const Store& store() const { return store_; }
  const DataSchema& schema() const { return *schema_; }
  Transaction tx() const { return Transaction(schema_); }

  // Applies `ops` as the next version and returns the DataBatch a host would send.
  protocol::DataBatch commit(const std::vector<Op>& ops, Micros at = Micros{0}) {
    Batch batch{store_.version(), store_.version() + 1, at, ops};
    EXPECT_TRUE(store_.apply(batch).ok());
    return message(batch);
  }
  protocol::DataBatch commit(const Transaction& tx, Micros at = Micros{0}) {
    return commit(tx.ops(), at);
  }
  protocol::DataBatch message(const Batch& batch) const {
    protocol::DataBatch out;
    out.base_version = batch.base_version;
    out.version = batch.version;
    out.committed_at_us = count_us(batch.committed_at);
    out.ops = static_cast<std::uint32_t>(batch.ops.size());
    out.encoding = protocol::DataEncoding::kPlain;
    out.payload = encode_ops(*schema_, batch.ops);
    out.raw_bytes = static_cast<std::uint32_t>(out.payload.size());
    return out;
  }

  protocol::DataSyncBegin begin(protocol::DataSyncMode mode, std::uint32_t chunks = 0,
                                std::uint64_t entities = 0, std::uint64_t bytes = 0) {
    protocol::DataSyncBegin out;
    out.sync_id = ++sync_id_;
    out.mode = mode;
    out.version = store_.version();
    out.schema_hash = schema_->hash();
    out.schema_toml = schema_->to_toml();
    out.entities_total = entities;
    out.bytes_total = bytes;
    out.chunks_total = chunks;
    return out;
  }

  // DataSyncBegin, then each chunk followed by its SyncProgress.
  std::vector<protocol::AnyMessage> full_sync(std::size_t chunk_bytes = 64) {
    const auto chunks = encode_snapshot(store_, chunk_bytes);
    std::uint64_t entities = 0, bytes = 0;
    for (const auto& chunk : chunks) {
      entities += chunk.entities;
      bytes += chunk.payload.size();
    }
    std::vector<protocol::AnyMessage> out;
    out.push_back(begin(protocol::DataSyncMode::kFull, static_cast<std::uint32_t>(chunks.size()),
                        entities, bytes));
    std::uint64_t entities_done = 0, bytes_done = 0;
    for (std::uint32_t i = 0; i < chunks.size(); ++i) {
      entities_done += chunks[i].entities;
      bytes_done += chunks[i].payload.size();
      out.push_back(
          protocol::DataSnapshotChunk{sync_id_, i, chunks[i].entities, chunks[i].payload});
      protocol::SyncProgress progress;
      progress.snapshot_id = sync_id_;
      progress.received = i + 1;
      progress.total = static_cast<std::uint32_t>(chunks.size());
      progress.bytes = bytes_done;
      progress.entities = entities_done;
      progress.entities_total = entities;
      progress.bytes_total = bytes;
      out.push_back(progress);
    }
    return out;
  }
  std::uint32_t sync_id() const { return sync_id_; }

 private:
  std::shared_ptr<const DataSchema> schema_;
  Store store_;
  std::uint32_t sync_id_ = 0;
};

// Feeds messages to a ClientDB, failing the test on an error.
inline void deliver(ClientDB& db, const std::vector<protocol::AnyMessage>& messages,
                    Micros now = Micros{0}) {
  for (const auto& message : messages) {
    const Status status = db.on_message(message, now);
    ASSERT_TRUE(status.ok()) << status.error().describe();
  }
}
inline void deliver(ClientDB& db, const protocol::AnyMessage& message, Micros now = Micros{0}) {
  deliver(db, std::vector<protocol::AnyMessage>{message}, now);
}

// Messages of one type from an outgoing list.
template <class M>
std::vector<M> of_type(const std::vector<protocol::AnyMessage>& messages) {
  std::vector<M> out;
  for (const auto& message : messages) {
    if (const auto* m = std::get_if<M>(&message)) out.push_back(*m);
  }
  return out;
}

// A field's value in a store (the default when the entity or component is absent).
inline std::int64_t int_field(const Store& store, std::uint16_t table, EntityId entity,
                              std::uint16_t component, std::uint16_t field) {
  const Table& t = store.table(table);
  const auto row = t.find(entity);
  if (!row) return -1;
  return std::get<std::int64_t>(t.get(*row, component, field));
}

// A ClientDB on the arena schema, subscribed and fully synced to `server`.
inline void sync_fully(ClientDB& db, HandServer& server, Micros now = Micros{0}) {
  db.subscribe(now);
  db.take_outgoing();
  deliver(db, server.full_sync(), now);
  EXPECT_EQ(db.status().state, SyncState::kReady);
  db.take_outgoing();
}

}  // namespace theta_net::data::testing
