// Fuzzes signed commands: the command log file decoder, and a CollabHost fed by one misbehaving
// author beside a well-behaved one. The input's first byte picks the part; the rest is the file,
// or a program of steps: raw CommandLogEntry bodies through the protocol decoder, entries built
// from the bytes (signed right or wrong, by the session's key or another, any sequence, clock,
// base version, kind and payload), valid data_writes and application commands, flushes, drains
// of the bad author and of the good one. Whatever comes, nothing may crash, on_message never
// fails for its client, the good author's mirror equals the server's store, the log's file
// reads back the same, and the log replayed on a fresh server gives the same store bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_program.hpp"
#include "theta_net/collab/collab_client.hpp"
#include "theta_net/collab/collab_host.hpp"
#include "theta_net/collab/command_log_file.hpp"
#include "theta_net/collab/command_signature.hpp"
#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::collab;
using fuzzing::Input;
using fuzzing::int_field;

constexpr std::uint16_t kDataWrite = static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite);
constexpr std::uint16_t kAdd = 300;  // an application command: cell value += payload[0]

std::shared_ptr<const data::DataSchema> fuzz_schema() {
  data::TableSpec cells;
  cells.name = "cells";
  cells.components = {{"cell", {int_field("value", -1000, 1000), int_field("owner", 0, 7)}},
                      {"mark", {int_field("m", 0, 1)}}};
  auto schema = data::DataSchema::make("fuzz", 1, 0, {cells});
  if (!schema.ok()) std::abort();
  return *schema;
}

void register_add(CollabHost& host) {
  const Status registered = host.register_command(
      kAdd,
      [&host](std::uint16_t, ByteSpan payload, const Ed25519PublicKey&,
              data::Transaction& tx) -> Status {
        if (payload.size() != 2) return make_error(ErrorCode::kInvalidArgument, "two bytes");
        const data::Table& t = host.data().store().table(0);
        const auto row = t.find(payload[0] % 8);
        const std::int64_t now = row ? std::get<std::int64_t>(t.get(*row, 0, 0)) : 0;
        return tx.set(
            "cells", payload[0] % 8, "cell", "value",
            std::clamp<std::int64_t>(now + static_cast<std::int8_t>(payload[1]), -1000, 1000));
      });
  if (!registered.ok()) std::abort();
}

data::Transaction transaction_from(const std::shared_ptr<const data::DataSchema>& schema,
                                   Input& in) {
  data::Transaction tx(schema);
  for (int n = 1 + in.byte() % 3; n > 0; --n) {
    const data::EntityId e = in.byte() % 8;
    switch (in.byte() % 4) {
      case 0:
        (void)tx.set("cells", e, "cell", "value",
                     std::int64_t{static_cast<std::int8_t>(in.byte())});
        break;
      case 1:
        (void)tx.set("cells", e, "cell", "owner", std::int64_t{in.byte() % 8});
        break;
      case 2:
        (void)tx.remove_component("cells", e, "mark");
        break;
      default:
        (void)tx.remove_entity("cells", e);
        break;
    }
  }
  return tx;
}

// One author's session: its DataHost client and, for the good one, its mirror.
struct Author {
  Ed25519KeyPair key;
  data::DataClientId id = 0;
  std::unique_ptr<data::ClientDB> db;
  std::unique_ptr<CollabClient> client;
};

void pump(CollabHost& host, Author& a, Micros now) {
  for (int round = 0; round < 64; ++round) {
    bool moved = false;
    for (const auto& m : a.client->take_outgoing()) {
      moved = true;
      if (!host.on_message(a.id, m, now).ok()) std::abort();
    }
    host.flush(now);
    for (const auto& m : host.drain(a.id, 1u << 20)) {
      moved = true;
      if (!a.client->on_message(m, now).ok()) std::abort();  // the server never misleads it
    }
    if (!moved) return;
  }
}

void fuzz_file(Input& in) {
  const ByteSpan file = in.bytes(1u << 20);
  auto decoded = decode_command_log(file);
  if (!decoded.ok()) return;
  auto encoded = encode_command_log(*decoded);
  if (!encoded.ok()) std::abort();  // what decodes encodes
  auto again = decode_command_log(*encoded);
  if (!again.ok() || *again != *decoded) std::abort();
}

void fuzz_host(Input& in) {
  static const auto schema = fuzz_schema();
  data::DataHost data(schema);
  CollabHostConfig config;
  config.max_lamport_lead = 64;
  config.max_answers = 16;
  CollabHost host(data, config);
  register_add(host);
  Rng keys(1);
  Micros now(0);
  Author good{Ed25519KeyPair::from_rng(keys), 0, nullptr, nullptr};
  Author bad{Ed25519KeyPair::from_rng(keys), 0, nullptr, nullptr};
  const Ed25519KeyPair stranger = Ed25519KeyPair::from_rng(keys);
  for (Author* a : {&good, &bad}) {
    a->id = data.add_client(now);
    a->db = std::make_unique<data::ClientDB>(schema);
    a->client = std::make_unique<CollabClient>(*a->db, a->key);
    if (!host.add_client(a->id, a->key.public_key(), protocol::Role::kEditor).ok()) std::abort();
    a->db->subscribe(now);
  }
  pump(host, good, now);
  pump(host, bad, now);  // the bad author is synced too, so its commands get past not_synced
  std::uint64_t sequence = 1, lamport = 1;
  for (int steps = 0; steps < 200 && !in.done(); ++steps) {
    switch (in.byte() % 8) {
      case 0: {  // a raw CommandLogEntry body
        auto entry = protocol::decode_body<protocol::CommandLogEntry>(in.bytes(in.number()));
        if (entry.ok() && !host.on_message(bad.id, *entry, now).ok()) std::abort();
        break;
      }
      case 1: {  // an entry built from the bytes, signed right or wrong
        protocol::CommandLogEntry e;
        const std::uint8_t how = in.byte();
        e.sequence = how & 1 ? sequence : in.number();
        e.lamport = how & 2 ? lamport : in.number();
        e.base_version = how & 4 ? data.version() : in.number();
        e.command = how & 8 ? kDataWrite : static_cast<std::uint16_t>(in.number());
        const auto payload = in.bytes(in.byte());
        e.payload.assign(payload.begin(), payload.end());
        sign_command(e, how & 16 ? stranger : bad.key);
        if (how & 32) e.signature[in.byte() % 64] ^= 1 + in.byte() % 255;
        if (how & 64) e.index = in.number();
        if (!host.on_message(bad.id, e, now).ok()) std::abort();
        if (e.sequence == sequence) ++sequence;
        lamport = std::max(lamport, e.lamport) + 1;
        break;
      }
      case 2: {  // a valid data_write or application command by the bad author
        protocol::CommandLogEntry e;
        e.sequence = sequence++;
        e.lamport = ++lamport;
        e.base_version = data.version();
        if (in.byte() % 3 == 0) {
          e.command = kAdd;
          e.payload = {in.byte(), in.byte()};
        } else {
          e.command = kDataWrite;
          e.payload = encode_data_write(*schema, transaction_from(schema, in).ops());
        }
        sign_command(e, bad.key);
        if (!host.on_message(bad.id, e, now).ok()) std::abort();
        break;
      }
      case 3: {  // the good author writes through its mirror (a write it cannot make is skipped)
        (void)good.db->write(transaction_from(schema, in));
        if (in.byte() % 4 == 0) (void)good.client->send_command(kAdd, {in.byte(), in.byte()});
        break;
      }
      case 4:
        host.flush(now);
        break;
      case 5:  // the bad author reads some (and its client checks what it gets)
        for (const auto& m : host.drain(bad.id, in.number() * 8)) {
          (void)bad.client->on_message(m, now);
        }
        break;
      case 6:
        pump(host, good, now);
        break;
      default:
        now += Micros(in.number() * 100);
        break;
    }
  }
  host.flush(now);
  pump(host, good, now);
  if (good.db->view().canonical_bytes() != data.store().canonical_bytes()) std::abort();
  const std::vector<LoggedCommand> log(host.log().entries().begin(), host.log().entries().end());
  auto file = encode_command_log(log);
  if (!file.ok()) std::abort();
  auto read = decode_command_log(*file);
  if (!read.ok() || *read != log) std::abort();
  data::DataHost fresh(schema);
  CollabHost replayer(fresh);
  register_add(replayer);
  if (!replayer.replay(*read, now).ok()) std::abort();
  if (fresh.store().canonical_bytes() != data.store().canonical_bytes()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  if (in.byte() % 2) {
    fuzz_file(in);
  } else {
    fuzz_host(in);
  }
  return 0;
}
