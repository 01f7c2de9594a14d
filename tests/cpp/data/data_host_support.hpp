// Test support for DataHost: a schema, a minimal mirror that applies what a host drains to a
// Store (checking every sync and version rule on the way), and the server's store restricted
// to an interest, computed independently of the host's own filtering.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "theta_net/core/integer_math.hpp"
#include "theta_net/data/batch_compressor.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::data::host_testing {

inline FieldSpec int_field(std::string name, std::int64_t min, std::int64_t max,
                           std::int64_t fallback = 0) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = FieldType::kInt;
  f.min = min;
  f.max = max;
  f.default_value = fallback;
  return f;
}

inline FieldSpec text_field(std::string name, std::uint32_t max_bytes) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = FieldType::kString;
  f.max_bytes = max_bytes;
  f.default_value = std::string();
  return f;
}

// players (spatial: position x/y/z in blocks; health; profile) and items (not spatial).
inline std::shared_ptr<const DataSchema> arena_schema(std::uint32_t title_bytes = 64) {
  TableSpec players;
  players.name = "players";
  players.components = {
      {"position",
       {int_field("x", -1000000, 1000000), int_field("y", -1000000, 1000000),
        int_field("z", -1000000, 1000000)}},
      {"health", {int_field("hp", 0, 100, 100)}},
      {"profile", {text_field("title", title_bytes)}},
  };
  players.spatial = SpatialSpec{"position", "x", "y", "z"};
  TableSpec items;
  items.name = "items";
  items.components = {{"item", {int_field("kind", 0, 15), int_field("count", 0, 1000)}}};
  auto schema = DataSchema::make("arena", 1, 0, {players, items});
  EXPECT_TRUE(schema.ok()) << schema.error().describe();
  return *schema;
}

inline constexpr std::uint16_t kPlayers = 0, kItems = 1;

// Applies what a host drains, as a client would, refusing anything out of order.
class Mirror {
 public:
  explicit Mirror(std::shared_ptr<const DataSchema> schema) : store(std::move(schema)) {}

  Status apply(const protocol::AnyMessage& message) {
    if (const auto* begin = std::get_if<protocol::DataSyncBegin>(&message);
        begin && begin->mode == protocol::DataSyncMode::kTable) {
      return begin_table_sync(*begin);
    }
    if (const auto* begin = std::get_if<protocol::DataSyncBegin>(&message)) {
      sync_id = begin->sync_id;
      target = begin->version;
      mode = begin->mode;
      chunks_total = begin->chunks_total;
      received = 0;
      in_sync = true;
      ++syncs;
      if (begin->schema_toml != store.schema().to_toml()) {
        return make_error(ErrorCode::kCorrupt, "the sync's schema is not ours");
      }
      if (mode == protocol::DataSyncMode::kFull) store.clear();
      if (chunks_total == 0) return finish_sync();
      return {};
    }
    if (const auto* chunk = std::get_if<protocol::DataSnapshotChunk>(&message);
        chunk && table_sync && chunk->sync_id == table_sync->sync_id) {
      return add_table_chunk(*chunk);
    }
    if (const auto* chunk = std::get_if<protocol::DataSnapshotChunk>(&message)) {
      if (!in_sync || chunk->sync_id != sync_id || chunk->index != received) {
        return make_error(ErrorCode::kState, "chunk ", chunk->index, " out of order");
      }
      Bytes unpacked = chunk->payload;
      if (chunk->encoding != protocol::DataEncoding::kPlain) {
        THETA_TRY_ASSIGN(unpacked,
                         BatchCompressor().decompress(chunk->payload, chunk->raw_bytes, false));
        ++packed_chunks;
      }
      THETA_TRY_ASSIGN(auto ops, decode_ops(store.schema(), unpacked, chunk->entities));
      THETA_TRY(store.apply_ops(ops));
      ++received;
      chunk_sizes.push_back(chunk->payload.size());
      return {};
    }
    if (const auto* p = std::get_if<protocol::SyncProgress>(&message)) {
      progress.push_back(*p);
      if (p->snapshot_id != sync_id || p->received != received) {
        return make_error(ErrorCode::kState, "progress out of order");
      }
      if (p->received == p->total) return finish_sync();
      return {};
    }
    if (const auto* b = std::get_if<protocol::DataBatch>(&message)) {
      batches.push_back(*b);
      Bytes raw = b->payload;
      if (b->encoding != protocol::DataEncoding::kPlain) {
        THETA_TRY_ASSIGN(raw,
                         zstd.decompress(b->payload, b->raw_bytes,
                                         b->encoding == protocol::DataEncoding::kZstdDictionary));
      }
      THETA_TRY_ASSIGN(auto ops, decode_ops(store.schema(), raw, b->ops));
      Batch batch;
      batch.base_version = b->base_version;
      batch.version = b->version;
      batch.ops = std::move(ops);
      THETA_TRY(store.apply(batch));
      if (in_sync && mode == protocol::DataSyncMode::kArchive && b->version == target) {
        return finish_sync();
      }
      return {};
    }
    if (const auto* r = std::get_if<protocol::DataWriteResult>(&message)) {
      results.push_back(*r);
      result_at_version.push_back(store.version());
      return {};
    }
    if (const auto* r = std::get_if<protocol::DataRefused>(&message)) {
      refusals.push_back(*r);
      return {};
    }
    if (const auto* h = std::get_if<protocol::DataStateHash>(&message)) {
      state_hashes.push_back(*h);
      // Every hash must be of the version this mirror holds, and (unless a test broke the
      // mirror on purpose) equal to its own table's.
      if (h->version != store.version()) {
        return make_error(ErrorCode::kState, "state hash of version ", h->version, " at ",
                          store.version());
      }
      for (const auto& t : h->tables) {
        if (t.table >= store.table_count()) return make_error(ErrorCode::kCorrupt, "table");
        if (store.table(t.table).state_hash() != t.hash) ++hash_mismatches;
      }
      return {};
    }
    return make_error(ErrorCode::kInvalidArgument, "unexpected message");
  }

  // The subscription a fresh client (or one holding `store`) sends.
  protocol::DataSubscribe subscribe(Version from = 0) const {
    protocol::DataSubscribe s;
    s.schema_hash = store.schema().hash();
    s.schema_hashes = store.schema().hashes();
    s.from_version = from;
    s.tables = tables;
    s.cells = cells;
    s.dictionary_ids = dictionary_ids;
    return s;
  }

  Store store;
  std::vector<std::string> tables;
  std::vector<protocol::Vec3i> cells;
  std::vector<std::uint64_t> dictionary_ids;
  BatchCompressor zstd;
  std::uint32_t sync_id = 0;
  Version target = 0;
  protocol::DataSyncMode mode = protocol::DataSyncMode::kFull;
  std::uint32_t chunks_total = 0, received = 0;
  bool in_sync = false;
  int syncs = 0;
  std::vector<protocol::AnyMessage> outgoing;  // ClientReady after each sync
  std::vector<protocol::SyncProgress> progress;
  std::vector<std::size_t> chunk_sizes;
  std::size_t packed_chunks = 0;  // chunks that came zstd-packed
  std::vector<protocol::DataBatch> batches;
  std::vector<protocol::DataWriteResult> results;
  std::vector<Version> result_at_version;  // the version held when each result arrived
  std::vector<protocol::DataRefused> refusals;
  std::vector<protocol::DataStateHash> state_hashes;
  int hash_mismatches = 0;  // tables whose hash differed from this mirror's
  struct TableSync {
    std::uint32_t sync_id = 0;
    std::uint16_t table = 0;
    Version version = 0;
    std::uint32_t chunks_total = 0, received = 0;
  };
  std::optional<TableSync> table_sync;               // a table resync in progress
  std::vector<protocol::DataSyncBegin> table_syncs;  // every table sync begun

 private:
  // A table sync: the table is emptied, its snapshot's upserts fill it, and the mirror then
  // holds the sync's version.
  Status begin_table_sync(const protocol::DataSyncBegin& begin) {
    if (in_sync || begin.table >= store.table_count() || begin.version < store.version()) {
      return make_error(ErrorCode::kState, "table sync out of place");
    }
    table_syncs.push_back(begin);
    const auto table = static_cast<std::uint16_t>(begin.table);
    std::vector<Op> drop;
    for (const EntityId id : store.table(table).ids()) {
      Op op;
      op.table = table;
      op.entity = id;
      op.kind = OpKind::kRemoveEntity;
      drop.push_back(op);
    }
    THETA_TRY(store.apply_ops(drop));
    table_sync = TableSync{begin.sync_id, table, begin.version, begin.chunks_total, 0};
    if (begin.chunks_total == 0) return finish_table_sync();
    return {};
  }

  Status add_table_chunk(const protocol::DataSnapshotChunk& chunk) {
    if (chunk.index != table_sync->received) return make_error(ErrorCode::kState, "chunk order");
    Bytes unpacked = chunk.payload;
    if (chunk.encoding != protocol::DataEncoding::kPlain) {
      THETA_TRY_ASSIGN(unpacked,
                       BatchCompressor().decompress(chunk.payload, chunk.raw_bytes, false));
    }
    THETA_TRY_ASSIGN(auto ops, decode_ops(store.schema(), unpacked, chunk.entities));
    for (const Op& op : ops) {
      if (op.table != table_sync->table) return make_error(ErrorCode::kCorrupt, "other table");
    }
    THETA_TRY(store.apply_ops(ops));
    if (++table_sync->received == table_sync->chunks_total) return finish_table_sync();
    return {};
  }

  Status finish_table_sync() {
    store.set_version(table_sync->version);
    table_sync.reset();
    return {};
  }

  Status finish_sync() {
    if (mode == protocol::DataSyncMode::kFull) store.set_version(target);
    if (store.version() != target) {
      return make_error(ErrorCode::kState, "sync ended at ", store.version(), " not ", target);
    }
    in_sync = false;
    protocol::ClientReady ready;
    ready.snapshot_id = sync_id;
    ready.version = target;
    outgoing.push_back(ready);
    return {};
  }
};

// Drains the client until nothing is left (answering with what the mirror sends); returns the
// messages drained.
inline std::vector<protocol::AnyMessage> pump(DataHost& host, DataHost::ClientId id, Mirror& m,
                                              Micros now = Micros(0),
                                              std::size_t credit = 64u << 20) {
  std::vector<protocol::AnyMessage> all;
  for (;;) {
    auto out = host.drain(id, credit);
    for (const auto& message : out) {
      auto applied = m.apply(message);
      EXPECT_TRUE(applied.ok()) << applied.error().describe();
      all.push_back(message);
    }
    auto replies = std::move(m.outgoing);
    m.outgoing.clear();
    for (const auto& r : replies) EXPECT_TRUE(host.on_message(id, r, now).ok());
    if (out.empty()) return all;
  }
}

// Drains at least one message into the mirror, with the smallest power-of-two credit from
// `credit` up that lets one go (a client reading slowly).
inline void drain_some(DataHost& host, DataHost::ClientId id, Mirror& m, std::size_t credit = 64) {
  for (;; credit *= 2) {
    auto out = host.drain(id, credit);
    for (const auto& message : out) {
      auto applied = m.apply(message);
      EXPECT_TRUE(applied.ok()) << applied.error().describe();
    }
    if (!out.empty() || credit > (64u << 20)) return;
  }
}

// The server's store as a client with this interest must hold it (an independent reading of
// the rules in data_interest.hpp: position cells are floor(x / 16) per axis).
inline Store restricted(const Store& server, const std::vector<std::string>& tables,
                        const std::vector<protocol::Vec3i>& cells, int cell_blocks = 16) {
  Store view(server.schema_ptr());
  std::set<std::tuple<int, int, int>> wanted;
  for (const auto& c : cells) wanted.insert({c.x, c.y, c.z});
  std::vector<Op> rows;
  for (std::size_t t = 0; t < server.table_count(); ++t) {
    const auto& name = server.schema().table(t).name;
    if (!tables.empty() && std::find(tables.begin(), tables.end(), name) == tables.end()) continue;
    const Table& table = server.table(t);
    for (std::size_t row = 0; row < table.size(); ++row) {
      if (t == kPlayers && !wanted.empty()) {
        if (!table.has(row, 0)) continue;
        auto axis = [&](std::size_t f) {
          return static_cast<int>(
              floor_div<std::int64_t>(std::get<std::int64_t>(table.get(row, 0, f)), cell_blocks));
        };
        if (!wanted.count({axis(0), axis(1), axis(2)})) continue;
      }
      rows.push_back(table.row_as_op(row, static_cast<std::uint16_t>(t)));
    }
  }
  EXPECT_TRUE(view.apply_ops(rows).ok());
  return view;
}

// Encoded bodies of messages, for byte-for-byte comparisons.
inline std::vector<Bytes> encoded(const std::vector<protocol::AnyMessage>& messages) {
  std::vector<Bytes> out;
  for (const auto& m : messages) {
    Bytes body;
    EXPECT_TRUE(protocol::encode_body(m, body).ok());
    out.push_back(std::move(body));
  }
  return out;
}

template <class M>
std::vector<M> all_of(const std::vector<protocol::AnyMessage>& messages) {
  std::vector<M> out;
  for (const auto& m : messages) {
    if (const auto* x = std::get_if<M>(&m)) out.push_back(*x);
  }
  return out;
}

// Sets a player's position and health in one transaction.
inline void put_player(DataHost& host, EntityId id, int x, int y, int z, int hp = 100) {
  Transaction tx = host.transaction();
  EXPECT_TRUE(tx.set("players", id, "position", "x", std::int64_t{x}).ok());
  EXPECT_TRUE(tx.set("players", id, "position", "y", std::int64_t{y}).ok());
  EXPECT_TRUE(tx.set("players", id, "position", "z", std::int64_t{z}).ok());
  EXPECT_TRUE(tx.set("players", id, "health", "hp", std::int64_t{hp}).ok());
  auto committed = host.commit(tx);
  EXPECT_TRUE(committed.ok()) << committed.error().describe();
}

inline void put_item(DataHost& host, EntityId id, int kind, int count) {
  Transaction tx = host.transaction();
  EXPECT_TRUE(tx.set("items", id, "item", "kind", std::int64_t{kind}).ok());
  EXPECT_TRUE(tx.set("items", id, "item", "count", std::int64_t{count}).ok());
  EXPECT_TRUE(host.commit(tx).ok());
}

}  // namespace theta_net::data::host_testing
