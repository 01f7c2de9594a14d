// Fuzzes ClientDB with a misbehaving server. The input is a program of steps: valid batches and
// snapshots from a hand-kept server store, the same with a field or a payload byte changed,
// raw message bodies through the protocol decoder, compressed batches with their sizes right or
// wrong, local writes and answers to them, state hashes true or false, table syncs whole, cut
// short or changed, reconnects, time passing, and callbacks that query the view and
// unsubscribe. Whatever the server sends, nothing may crash; at the end a clean full sync of the
// server's store must leave the mirror equal to it, byte for byte, and the server's true state
// hashes must then find no divergence.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "fuzz_program.hpp"
#include "theta_net/data/batch_compressor.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::data;
using fuzzing::Input;
using fuzzing::int_field;

std::shared_ptr<const DataSchema> fuzz_schema() {
  FieldSpec label;
  label.name = "label";
  label.type = FieldType::kString;
  label.max_bytes = 16;
  label.default_value = std::string();
  TableSpec players;
  players.name = "players";
  players.components = {{"health", {int_field("hp", 0, 100), int_field("armor", 0, 50)}},
                        {"tag", {label}}};
  TableSpec items;
  items.name = "items";
  items.components = {{"stack", {int_field("count", 0, 1000)}}};
  auto schema = DataSchema::make("fuzz", 1, 0, {players, items});
  if (!schema.ok()) std::abort();
  return *schema;
}

Transaction transaction_from(std::shared_ptr<const DataSchema> schema, Input& in) {
  Transaction tx(std::move(schema));
  const int n = 1 + in.byte() % 4;
  for (int i = 0; i < n; ++i) {
    const EntityId e = in.byte() % 16;
    const auto v = static_cast<std::int64_t>(in.byte() % 101);
    switch (in.byte() % 6) {
      case 0:
        (void)tx.set("players", e, "health", "hp", v);
        break;
      case 1:
        (void)tx.set("players", e, "health", "armor", v / 2);
        break;
      case 2:
        (void)tx.set("players", e, "tag", "label",
                     std::string(static_cast<std::size_t>(v % 17), 'a'));
        break;
      case 3:
        (void)tx.set("items", e, "stack", "count", v * 9);
        break;
      case 4:
        (void)tx.remove_entity(in.byte() % 2 ? "players" : "items", e);
        break;
      default:
        (void)tx.remove_component("players", e, in.byte() % 2 ? "health" : "tag");
        break;
    }
  }
  return tx;
}

// The server side, kept by hand: a store and the messages a host would send for it.
struct Server {
  explicit Server(std::shared_ptr<const DataSchema> s) : schema(std::move(s)), store(schema) {}

  protocol::DataBatch commit(const Transaction& tx, Micros now) {
    const Batch batch{store.version(), store.version() + 1, now, tx.ops()};
    if (!store.apply(batch).ok()) std::abort();  // ops from a Transaction always apply
    protocol::DataBatch m;
    m.base_version = batch.base_version;
    m.version = batch.version;
    m.committed_at_us = count_us(now);
    m.ops = static_cast<std::uint32_t>(batch.ops.size());
    m.payload = encode_ops(*schema, batch.ops);
    m.raw_bytes = static_cast<std::uint32_t>(m.payload.size());
    return m;
  }

  std::vector<protocol::AnyMessage> full_sync(std::size_t chunk_bytes) {
    const auto chunks = encode_snapshot(store, chunk_bytes);
    protocol::DataSyncBegin begin;
    begin.sync_id = ++sync_id;
    begin.mode = protocol::DataSyncMode::kFull;
    begin.version = store.version();
    begin.schema_hash = schema->hash();
    begin.schema_toml = schema->to_toml();
    begin.chunks_total = static_cast<std::uint32_t>(chunks.size());
    for (const auto& chunk : chunks) begin.entities_total += chunk.entities;
    std::vector<protocol::AnyMessage> out{begin};
    for (std::uint32_t i = 0; i < chunks.size(); ++i) {
      out.push_back(protocol::DataSnapshotChunk{sync_id, i, chunks[i].entities, chunks[i].payload});
      protocol::SyncProgress progress;
      progress.snapshot_id = sync_id;
      progress.received = i + 1;
      progress.total = begin.chunks_total;
      out.push_back(progress);
    }
    return out;
  }

  // A table sync of table `table` (its entities alone, at the store's version).
  std::vector<protocol::AnyMessage> table_sync(std::uint16_t table, std::size_t chunk_bytes) {
    Store only(schema);
    std::vector<Op> rows;
    for (std::size_t row = 0; row < store.table(table).size(); ++row) {
      rows.push_back(store.table(table).row_as_op(row, table));
    }
    if (!only.apply_ops(rows).ok()) std::abort();
    const auto chunks = encode_snapshot(only, chunk_bytes);
    protocol::DataSyncBegin begin;
    begin.sync_id = ++sync_id;
    begin.mode = protocol::DataSyncMode::kTable;
    begin.version = store.version();
    begin.schema_hash = schema->hash();
    begin.table = table;
    begin.chunks_total = static_cast<std::uint32_t>(chunks.size());
    for (const auto& chunk : chunks) begin.entities_total += chunk.entities;
    std::vector<protocol::AnyMessage> out{begin};
    for (std::uint32_t i = 0; i < chunks.size(); ++i) {
      out.push_back(protocol::DataSnapshotChunk{sync_id, i, chunks[i].entities, chunks[i].payload});
    }
    return out;
  }

  protocol::DataStateHash hashes() const {
    protocol::DataStateHash out;
    out.version = store.version();
    for (std::size_t t = 0; t < store.table_count(); ++t) {
      out.tables.push_back({t, store.table(t).state_hash()});
    }
    return out;
  }

  std::shared_ptr<const DataSchema> schema;
  Store store;
  std::uint32_t sync_id = 0;
};

// Changes one thing about a message: a header field or a payload byte.
void mutate(protocol::AnyMessage& message, Input& in) {
  const std::uint8_t what = in.byte();
  if (auto* batch = std::get_if<protocol::DataBatch>(&message)) {
    switch (what % 5) {
      case 0:
        batch->base_version += in.number() - 128;
        break;
      case 1:
        batch->version += in.number() - 128;
        break;
      case 2:
        batch->ops += static_cast<std::uint32_t>(in.byte() % 3) - 1;
        break;
      case 3:
        batch->raw_bytes = static_cast<std::uint32_t>(in.number());
        break;
      default:
        if (!batch->payload.empty())
          batch->payload[in.number() % batch->payload.size()] ^= in.byte() | 1;
        break;
    }
  } else if (auto* chunk = std::get_if<protocol::DataSnapshotChunk>(&message)) {
    switch (what % 4) {
      case 0:
        chunk->index += static_cast<std::uint32_t>(in.byte() % 3) - 1;
        break;
      case 1:
        chunk->entities += static_cast<std::uint32_t>(in.byte() % 3) - 1;
        break;
      case 2:
        chunk->sync_id += 1;
        break;
      default:
        if (!chunk->payload.empty())
          chunk->payload[in.number() % chunk->payload.size()] ^= in.byte() | 1;
        break;
    }
  } else if (auto* begin = std::get_if<protocol::DataSyncBegin>(&message)) {
    switch (what % 4) {
      case 0:
        begin->chunks_total += static_cast<std::uint32_t>(in.byte() % 3) - 1;
        break;
      case 1:
        begin->entities_total += in.byte() % 3;
        break;
      case 2:
        begin->mode =
            in.byte() % 2 ? protocol::DataSyncMode::kArchive : protocol::DataSyncMode::kTable;
        begin->table = in.byte() % 3;
        break;
      default:
        if (!begin->schema_toml.empty()) {
          begin->schema_toml[in.number() % begin->schema_toml.size()] ^=
              static_cast<char>(in.byte() | 1);
        }
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto schema = fuzz_schema();
  static const auto dictionary = [] {
    std::vector<Bytes> samples;
    for (int i = 0; i < 32; ++i) {
      Transaction tx(schema);
      for (int e = 0; e < 6; ++e)
        (void)tx.set("players", e + i, "health", "hp", std::int64_t{(e * i) % 100});
      samples.push_back(encode_ops(*schema, tx.ops()));
    }
    auto trained = BatchCompressor::train(samples, 512);
    if (!trained.ok()) std::abort();
    return *trained;
  }();
  static const BatchCompressor packer = [] {
    BatchCompressor c;
    if (!c.set_dictionary(dictionary).ok()) std::abort();
    return c;
  }();

  Input in(data, size);
  ClientDbConfig config;
  config.max_pending_writes = 8;
  config.max_snapshot_bytes = 4096;
  config.ack_interval = Micros(100);
  ClientDB db(schema, config);
  if (in.byte() % 2 && !db.load_dictionary(dictionary).ok()) std::abort();
  Server server(schema);
  Micros now(0);
  std::vector<std::uint32_t> writes;
  std::vector<ClientDB::SubscriptionId> subscriptions;
  db.subscribe(now);

  auto deliver = [&](const protocol::AnyMessage& message) {
    (void)db.on_message(message, now);
    for (auto& out : db.take_outgoing()) {
      if (const auto* w = std::get_if<protocol::DataWrite>(&out)) writes.push_back(w->write_id);
    }
  };

  for (int steps = 0; steps < 300 && !in.done(); ++steps) {
    switch (in.byte() % 14) {
      case 0: {  // a raw body of a message type
        const auto type = protocol::message_type_from_id(in.byte() % 40);
        const std::size_t n = in.byte();
        auto message = type ? protocol::decode_body(*type, in.bytes(n))
                            : Result<protocol::AnyMessage>(Error{});
        if (type && message.ok()) deliver(*message);
        break;
      }
      case 1:
      case 2: {  // the server's batch, intact or changed
        protocol::AnyMessage batch = server.commit(transaction_from(schema, in), now);
        if (in.byte() % 4 == 0) mutate(batch, in);
        if (in.byte() % 8 != 0) deliver(batch);  // or lost: a gap
        break;
      }
      case 3: {  // a full sync, maybe cut short, maybe with one message changed
        auto messages = server.full_sync(16 + in.byte());
        const std::size_t broken =
            in.byte() % 4 == 0 ? in.number() % messages.size() : messages.size();
        if (broken < messages.size()) mutate(messages[broken], in);
        const std::size_t count =
            in.byte() % 4 == 0 ? in.number() % (messages.size() + 1) : messages.size();
        for (std::size_t i = 0; i < count; ++i) deliver(messages[i]);
        break;
      }
      case 4: {  // an archive sync to the server's version
        protocol::DataSyncBegin begin =
            std::get<protocol::DataSyncBegin>(server.full_sync(4096)[0]);
        begin.mode = protocol::DataSyncMode::kArchive;
        deliver(begin);
        break;
      }
      case 5: {  // a compressed batch
        protocol::DataBatch batch = server.commit(transaction_from(schema, in), now);
        const bool with_dictionary = in.byte() % 2;
        batch.payload = packer.compress(batch.payload, with_dictionary);
        batch.encoding = with_dictionary ? protocol::DataEncoding::kZstdDictionary
                                         : protocol::DataEncoding::kZstd;
        protocol::AnyMessage message = batch;
        if (in.byte() % 3 == 0) mutate(message, in);
        deliver(message);
        break;
      }
      case 6: {  // a local write
        auto id = db.write(transaction_from(schema, in));
        for (auto& out : db.take_outgoing()) {
          if (const auto* w = std::get_if<protocol::DataWrite>(&out)) writes.push_back(w->write_id);
        }
        (void)id;
        break;
      }
      case 7: {  // an answer to a write, right or wrong
        protocol::DataWriteResult result;
        result.write_id = writes.empty() || in.byte() % 4 == 0
                              ? static_cast<std::uint32_t>(in.number())
                              : writes[in.number() % writes.size()];
        result.accepted = in.byte() % 2;
        result.version = result.accepted ? server.store.version() + in.byte() % 3 : 0;
        deliver(result);
        break;
      }
      case 8:
        if (in.byte() % 2) {
          db.on_reconnect(now);
        } else {
          now += Micros(in.number());
          db.handle_timeout(now);
        }
        (void)db.take_outgoing();
        break;
      case 9: {  // a callback that reads the view and sometimes unsubscribes (itself or another)
        if (in.byte() % 3 == 0 && !subscriptions.empty()) {
          db.unsubscribe(subscriptions[in.number() % subscriptions.size()]);
          break;
        }
        const std::uint8_t drop = in.byte();
        auto callback = [&db, &subscriptions, drop](const Change& change) {
          // A change describes the view as it is after the step (callbacks here do not write).
          const Table& table = db.view().table(change.table);
          const auto row = table.find(change.entity);
          if (change.kind == ChangeKind::kRemove) {
            if (row && (table.mask(*row) & change.components) != 0) std::abort();
          } else if (!row || (table.mask(*row) & change.components) != change.components) {
            std::abort();
          }
          if (drop % 5 == 0 && !subscriptions.empty()) {
            db.unsubscribe(subscriptions[drop % subscriptions.size()]);
          }
        };
        Result<ClientDB::SubscriptionId> id =
            in.byte() % 2 ? db.on_table(in.byte() % 2 ? "players" : "items", callback)
                          : db.on_field("players", "health", "hp", callback);
        if (id.ok()) subscriptions.push_back(*id);
        break;
      }
      case 11: {  // the server's state hashes, true or changed
        protocol::DataStateHash hashes = server.hashes();
        switch (in.byte() % 4) {
          case 0:
            hashes.tables[in.byte() % hashes.tables.size()].hash ^= in.number() | 1;
            break;
          case 1:
            hashes.tables.push_back({in.number(), in.number()});
            break;
          case 2:
            hashes.version += in.number() - 128;
            break;
          default:
            break;
        }
        deliver(hashes);
        break;
      }
      case 12: {  // a table sync, maybe cut short, maybe with one message changed
        auto messages =
            server.table_sync(static_cast<std::uint16_t>(in.byte() % 2), 16 + in.byte());
        const std::size_t broken =
            in.byte() % 4 == 0 ? in.number() % messages.size() : messages.size();
        if (broken < messages.size()) mutate(messages[broken], in);
        const std::size_t count =
            in.byte() % 4 == 0 ? in.number() % (messages.size() + 1) : messages.size();
        for (std::size_t i = 0; i < count; ++i) deliver(messages[i]);
        break;
      }
      default:
        db.subscribe(now);
        (void)db.take_outgoing();
        break;
    }
  }
  // Recovery: the session drops (pending writes go) and the server sends a clean snapshot.
  db.on_reconnect(now);
  for (const auto& message : server.full_sync(64)) {
    if (!db.on_message(message, now).ok()) std::abort();
  }
  if (db.status().state != SyncState::kReady || db.pending_writes() != 0) std::abort();
  if (db.view().canonical_bytes() != server.store.canonical_bytes()) std::abort();
  (void)db.take_outgoing();
  const std::uint64_t divergences = db.divergences();
  if (!db.on_message(server.hashes(), now).ok()) std::abort();
  if (db.divergences() != divergences || !db.take_outgoing().empty()) std::abort();
  return 0;
}
