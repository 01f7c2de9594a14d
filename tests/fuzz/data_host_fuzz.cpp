// Fuzzes DataHost with one misbehaving client beside a well-behaved one. The input is a program
// of steps: messages from the bad client (raw bodies through the protocol decoder, or built
// from the bytes: subscriptions, writes, ClientReady, DataAck, DataResync), drains of it, server
// writes and flushes, time passing, and drains of the good client. Whatever the bad client does,
// nothing may crash, on_message may fail only for messages that are not data-layer messages,
// every state hash the good client gets must be of the version it holds and equal to its own
// tables', it is never sent a table sync, and its mirror must equal the server's store at the
// end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_program.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::data;
using fuzzing::Input;
using fuzzing::int_field;

std::shared_ptr<const DataSchema> fuzz_schema() {
  TableSpec players;
  players.name = "players";
  players.components = {
      {"position", {int_field("x", -64, 64), int_field("y", -64, 64), int_field("z", -64, 64)}},
      {"health", {int_field("hp", 0, 100)}},
  };
  players.spatial = SpatialSpec{"position", "x", "y", "z"};
  FieldSpec label;
  label.name = "label";
  label.type = FieldType::kString;
  label.max_bytes = 16;
  label.default_value = std::string();
  TableSpec items;
  items.name = "items";
  items.components = {{"item", {int_field("count", 0, 1000), label}}};
  auto schema = DataSchema::make("fuzz", 1, 0, {players, items});
  if (!schema.ok()) std::abort();
  return *schema;
}

// The well-behaved client: applies everything in order and answers each sync with ClientReady.
struct GoodMirror {
  explicit GoodMirror(std::shared_ptr<const DataSchema> schema) : store(std::move(schema)) {}
  void apply(const protocol::AnyMessage& message, std::vector<protocol::AnyMessage>& replies) {
    if (const auto* begin = std::get_if<protocol::DataSyncBegin>(&message)) {
      if (begin->mode == protocol::DataSyncMode::kTable) std::abort();  // it never asked
      sync = *begin;
      if (begin->mode == protocol::DataSyncMode::kFull) store.clear();
      if (begin->chunks_total == 0) ready(replies);
    } else if (const auto* chunk = std::get_if<protocol::DataSnapshotChunk>(&message)) {
      auto ops = decode_ops(store.schema(), chunk->payload, chunk->entities);
      if (!ops.ok() || !store.apply_ops(*ops).ok()) std::abort();
    } else if (const auto* progress = std::get_if<protocol::SyncProgress>(&message)) {
      if (progress->received == progress->total) ready(replies);
    } else if (const auto* batch = std::get_if<protocol::DataBatch>(&message)) {
      if (batch->encoding != protocol::DataEncoding::kPlain) std::abort();  // not agreed
      auto ops = decode_ops(store.schema(), batch->payload, batch->ops);
      if (!ops.ok()) std::abort();
      if (!store.apply(Batch{batch->base_version, batch->version, Micros(0), *ops}).ok()) {
        std::abort();
      }
      if (sync.mode == protocol::DataSyncMode::kArchive && batch->version == sync.version) {
        ready(replies);
      }
    } else if (const auto* hashes = std::get_if<protocol::DataStateHash>(&message)) {
      // It takes every table whole, and nothing broke its mirror.
      if (hashes->version != store.version()) std::abort();
      if (hashes->tables.size() != store.table_count()) std::abort();
      for (const protocol::TableHash& t : hashes->tables) {
        if (t.table >= store.table_count() || store.table(t.table).state_hash() != t.hash) {
          std::abort();
        }
      }
    } else if (std::holds_alternative<protocol::DataRefused>(message)) {
      std::abort();  // it never asks for anything wrong
    }
  }
  void ready(std::vector<protocol::AnyMessage>& replies) {
    if (sync.mode == protocol::DataSyncMode::kFull) store.set_version(sync.version);
    if (store.version() != sync.version) std::abort();
    protocol::ClientReady r;
    r.snapshot_id = sync.sync_id;
    r.version = sync.version;
    replies.push_back(r);
  }
  Store store;
  protocol::DataSyncBegin sync;
};

void pump_good(DataHost& host, DataHost::ClientId id, GoodMirror& mirror, std::size_t credit,
               Micros now) {
  for (int rounds = 0; rounds < 1000; ++rounds) {
    std::vector<protocol::AnyMessage> replies;
    auto out = host.drain(id, credit);
    for (const auto& m : out) mirror.apply(m, replies);
    for (const auto& r : replies) {
      if (!host.on_message(id, r, now).ok()) std::abort();
    }
    if (out.empty()) return;
  }
}

bool is_data_message(const protocol::AnyMessage& m) {
  return std::holds_alternative<protocol::DataSubscribe>(m) ||
         std::holds_alternative<protocol::DataSyncBegin>(m) ||
         std::holds_alternative<protocol::DataSnapshotChunk>(m) ||
         std::holds_alternative<protocol::DataBatch>(m) ||
         std::holds_alternative<protocol::DataWrite>(m) ||
         std::holds_alternative<protocol::DataWriteResult>(m) ||
         std::holds_alternative<protocol::DataAck>(m) ||
         std::holds_alternative<protocol::DataRefused>(m) ||
         std::holds_alternative<protocol::SyncProgress>(m) ||
         std::holds_alternative<protocol::ClientReady>(m) ||
         std::holds_alternative<protocol::DataStateHash>(m) ||
         std::holds_alternative<protocol::DataResync>(m);
}

Transaction transaction_from(const DataHost& host, Input& in) {
  Transaction tx = host.transaction();
  const int n = 1 + in.byte() % 4;
  for (int i = 0; i < n; ++i) {
    const EntityId e = in.byte() % 16;
    const auto v = static_cast<std::int64_t>(static_cast<std::int8_t>(in.byte()));
    switch (in.byte() % 6) {
      case 0:
        (void)tx.set("players", e, "position", "x", v);
        break;
      case 1:
        (void)tx.set("players", e, "health", "hp", v);
        break;
      case 2:
        (void)tx.set("items", e, "item", "count", v * 7);
        break;
      case 3:
        (void)tx.set("items", e, "item", "label",
                     std::string(static_cast<std::size_t>(v & 31), 'a'));
        break;
      case 4:
        (void)tx.remove_entity(in.byte() % 2 ? "players" : "items", e);
        break;
      default:
        (void)tx.remove_component("players", e, "position");
        break;
    }
  }
  return tx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto schema = fuzz_schema();
  DataHostConfig config;
  config.snapshot_chunk_bytes = 64;
  config.max_queue_bytes = 2048;
  config.max_write_bytes = 256;
  config.archive.max_batches = 8;
  config.stalled_after = Micros(1000);
  config.compress_above = 32;
  DataHost host(schema, config);
  const auto good = host.add_client(Micros(0));
  const auto bad = host.add_client(Micros(0), true);
  GoodMirror mirror(schema);
  {
    protocol::DataSubscribe s;
    s.schema_hash = schema->hash();
    s.schema_hashes = schema->hashes();
    if (!host.on_message(good, s, Micros(0)).ok()) std::abort();
  }
  Input in(data, size);
  Micros now(0);
  protocol::DataSyncBegin bad_sync;  // the bad client's view of its sync, to sound plausible
  Version bad_seen = 0;
  for (int steps = 0; steps < 400 && !in.done(); ++steps) {
    switch (in.byte() % 11) {
      case 0: {  // a raw body of a data-layer (or any) message type
        const auto type = protocol::message_type_from_id(in.byte() % 40);
        const std::size_t n = in.byte();
        auto message = type ? protocol::decode_body(*type, in.bytes(n))
                            : Result<protocol::AnyMessage>(Error{});
        if (type && message.ok()) {
          const bool ok = host.on_message(bad, *message, now).ok();
          if (ok != is_data_message(*message)) std::abort();
        }
        break;
      }
      case 1: {  // a subscription built from the bytes
        protocol::DataSubscribe s;
        s.schema_hash = schema->hash();
        s.schema_hashes = schema->hashes();
        if (in.byte() % 8 == 0) s.schema_hashes = {in.number()};
        s.from_version = in.byte() % 3 == 0 ? 0 : in.number();
        const std::uint8_t tables = in.byte();
        if (tables & 1) s.tables.push_back("players");
        if (tables & 2) s.tables.push_back("items");
        if (tables & 4) s.tables.push_back("nothing");
        for (int c = in.byte() % 4; c > 0; --c) {
          s.cells.push_back({static_cast<std::int8_t>(in.byte()) % 5, 0, 0});
        }
        if (in.byte() % 2) s.dictionary_ids.push_back(in.number());
        if (!host.on_message(bad, s, now).ok()) std::abort();
        break;
      }
      case 2: {  // a write: valid ops from the bytes, or raw bytes
        protocol::DataWrite w;
        w.write_id = static_cast<std::uint32_t>(in.number());
        w.base_version = in.byte() % 4 == 0 ? in.number() : host.version();
        if (in.byte() % 3 == 0) {
          w.ops = static_cast<std::uint32_t>(in.number());
          const auto raw = in.bytes(in.byte());
          w.payload.assign(raw.begin(), raw.end());
        } else {
          Transaction tx = transaction_from(host, in);
          w.ops = static_cast<std::uint32_t>(tx.ops().size());
          w.payload = encode_ops(host.schema(), tx.ops());
        }
        if (!host.on_message(bad, w, now).ok()) std::abort();
        break;
      }
      case 3: {  // ClientReady, right or wrong
        protocol::ClientReady r;
        const bool plausible = in.byte() % 2;
        r.snapshot_id = plausible ? bad_sync.sync_id : static_cast<std::uint32_t>(in.number());
        r.version = plausible ? bad_sync.version : in.number();
        if (!host.on_message(bad, r, now).ok()) std::abort();
        break;
      }
      case 4: {
        protocol::DataAck ack;
        ack.version = in.byte() % 2 ? bad_seen : in.number();
        if (!host.on_message(bad, ack, now).ok()) std::abort();
        break;
      }
      case 5: {  // the bad client reads some
        for (const auto& m : host.drain(bad, in.number() * 8)) {
          if (const auto* b = std::get_if<protocol::DataSyncBegin>(&m)) bad_sync = *b;
          if (const auto* b = std::get_if<protocol::DataBatch>(&m)) bad_seen = b->version;
        }
        break;
      }
      case 6: {  // the server's own writes, then a flush
        Transaction tx = transaction_from(host, in);
        (void)host.commit(tx);
        if (in.byte() % 2) host.flush(now);
        break;
      }
      case 7:
        now += Micros(in.number() * 16);
        host.handle_timeout(now);
        break;
      case 8:
        pump_good(host, good, mirror, 1 + in.number() * 4, now);
        break;
      case 9: {  // a table resync: of a table it may or may not take, at a version seen or not
        protocol::DataResync r;
        r.table = in.byte() % 3;
        r.version = in.byte() % 2 ? bad_seen : in.number();
        r.local_hash = in.number();
        if (!host.on_message(bad, r, now).ok()) std::abort();
        break;
      }
      default:
        host.flush(now);
        break;
    }
  }
  host.flush(now);
  pump_good(host, good, mirror, 1u << 20, now);
  if (mirror.store.digest() != host.store().digest()) std::abort();
  if (mirror.store.version() != host.store().version()) std::abort();
  return 0;
}
