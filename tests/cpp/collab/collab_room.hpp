// Test support for the collab module: a schema, and a Room: a DataHost with a CollabHost and
// members (a ClientDB and a CollabClient each, with their own key) joined in memory, with a pump
// that carries messages both ways until quiet. No network: the session and driver tests carry
// the same objects over SimNet and QUIC.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "theta_net/collab/collab_client.hpp"
#include "theta_net/collab/collab_host.hpp"
#include "theta_net/collab/command_signature.hpp"
#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/data/data_host.hpp"

namespace theta_net::collab::testing {

// A board of cells (value, owner) with a note; and a counter table.
inline std::shared_ptr<const data::DataSchema> board_schema() {
  auto schema = data::DataSchema::from_toml(R"(
[schema]
name = "board"
version = "1.0"

[[table]]
name = "cells"
[[table.component]]
name = "cell"
fields = [
  { name = "value", type = "int", min = -1000000, max = 1000000 },
  { name = "owner", type = "int", min = 0, max = 255 },
]
[[table.component]]
name = "note"
fields = [ { name = "text", type = "string", max = 64 } ]

[[table]]
name = "counters"
[[table.component]]
name = "count"
fields = [ { name = "n", type = "int", min = 0, max = 1000000000 } ]
)");
  EXPECT_TRUE(schema.ok()) << (schema.ok() ? "" : schema.error().describe());
  return schema.value();
}

inline constexpr std::uint16_t kCells = 0, kCounters = 1;
inline constexpr std::uint16_t kCellComponent = 0, kNote = 1, kCount = 0;
inline constexpr std::uint16_t kValue = 0, kOwner = 1;

inline data::Op set_value(data::EntityId entity, std::int64_t value) {
  data::Op op;
  op.table = kCells;
  op.entity = entity;
  op.kind = data::OpKind::kUpsert;
  op.writes = {{kCellComponent, {{kValue, value}}}};
  return op;
}

// An int field of an entity in a store (-1 when the entity is absent).
inline std::int64_t int_at(const data::Store& store, std::uint16_t table, data::EntityId entity,
                           std::uint16_t component, std::uint16_t field) {
  const data::Table& t = store.table(table);
  const auto row = t.find(entity);
  if (!row) return -1;
  return std::get<std::int64_t>(t.get(*row, component, field));
}

// A signed data_write entry by `key`, setting cell `entity` to `value`.
inline protocol::CommandLogEntry signed_write(const data::DataSchema& schema,
                                              const Ed25519KeyPair& key, std::uint64_t sequence,
                                              std::uint64_t lamport, data::EntityId entity,
                                              std::int64_t value, data::Version base = 0) {
  protocol::CommandLogEntry e;
  e.sequence = sequence;
  e.lamport = lamport;
  e.base_version = base;
  e.command = static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite);
  e.payload = encode_data_write(schema, {set_value(entity, value)});
  sign_command(e, key);
  return e;
}

struct Member {
  Ed25519KeyPair key;
  data::DataClientId id = 0;
  std::unique_ptr<data::ClientDB> db;
  std::unique_ptr<CollabClient> client;
};

class Room {
 public:
  explicit Room(CollabHostConfig config = {}, std::uint64_t seed = 7)
      : schema(board_schema()), data(schema), host(data, std::move(config)), keys(seed) {}

  // A member with a fresh key, `role`, subscribed (pump() makes it ready).
  Member& join(protocol::Role role = protocol::Role::kEditor) {
    Member m{Ed25519KeyPair::from_rng(keys), 0, nullptr, nullptr};
    m.id = data.add_client(now);
    m.db = std::make_unique<data::ClientDB>(schema);
    m.client = std::make_unique<CollabClient>(*m.db, m.key);
    EXPECT_TRUE(host.add_client(m.id, m.key.public_key(), role).ok());
    m.db->subscribe(now);
    members.push_back(std::move(m));
    return members.back();
  }

  // Carries messages both ways, flushing the host each round, until nothing moves.
  void pump(int max_rounds = 32) {
    for (int round = 0; round < max_rounds; ++round) {
      bool moved = false;
      for (Member& m : members) {
        for (const auto& message : m.client->take_outgoing()) {
          moved = true;
          Status taken = host.on_message(m.id, message, now);
          EXPECT_TRUE(taken.ok()) << taken.error().describe();
        }
      }
      host.flush(now);
      for (Member& m : members) {
        for (const auto& message : host.drain(m.id, 1u << 24)) {
          moved = true;
          Status taken = m.client->on_message(message, now);
          EXPECT_TRUE(taken.ok()) << taken.error().describe();
        }
      }
      if (!moved) return;
    }
  }

  // What the host drains for a member now (answers and batches), not given to its client.
  std::vector<protocol::AnyMessage> drain(const Member& m) { return host.drain(m.id, 1u << 24); }

  std::shared_ptr<const data::DataSchema> schema;
  data::DataHost data;
  CollabHost host;
  Rng keys;
  Micros now{0};
  std::deque<Member> members;  // a deque: references to members stay valid
};

// The CommandResults among messages.
inline std::vector<protocol::CommandResult> results_in(
    const std::vector<protocol::AnyMessage>& messages) {
  std::vector<protocol::CommandResult> out;
  for (const auto& m : messages) {
    if (const auto* r = std::get_if<protocol::CommandResult>(&m)) out.push_back(*r);
  }
  return out;
}

// What a refusal must leave as it was.
struct Before {
  Bytes store;
  std::uint64_t log_next;
  data::Version version;
  explicit Before(const Room& r)
      : store(r.data.store().canonical_bytes()),
        log_next(r.host.log().next_index()),
        version(r.data.version()) {}
  void expect_unchanged(const Room& r) const {
    EXPECT_EQ(r.data.store().canonical_bytes(), store);
    EXPECT_EQ(r.host.log().next_index(), log_next);
    EXPECT_EQ(r.data.version(), version);
  }
};

// A refusal: not accepted, with `reason`, no index or version, and a text holding `text_part`.
inline void expect_refused(const protocol::CommandResult& r, protocol::CommandRefuseReason reason,
                           std::string_view text_part) {
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, reason);
  EXPECT_EQ(r.index, 0u);
  EXPECT_EQ(r.version, 0u);
  EXPECT_NE(r.text.find(text_part), std::string::npos) << r.text;
}

}  // namespace theta_net::collab::testing
