#include "theta_net/session/game_data.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>

#include "theta_net/data/op_codec.hpp"
#include "theta_net/data/transaction.hpp"
#include "theta_net/session/reference_game_toml.hpp"
#include "theta_net/world/block.hpp"

namespace theta_net::session {
namespace {

constexpr std::string_view kPlayersTable = "players";

// The players table's status fields, in the order desired_status() fills them.
constexpr std::array<std::string_view, 6> kStatusFields = {
    "name", "health", "selected_slot", "blocks_placed", "blocks_broken", "respawns"};

// Ops as one Transaction: the normal form Transaction::ops() gives (one op per entity, in the
// order first touched, components and fields in schema order).
Result<data::Transaction> transaction_of(const std::shared_ptr<const data::DataSchema>& schema,
                                         const std::vector<data::Op>& ops) {
  data::Transaction tx(schema);
  for (const data::Op& op : ops) {
    const data::TableSpec& table = schema->table(op.table);
    switch (op.kind) {
      case data::OpKind::kUpsert:
        for (const data::ComponentWrite& write : op.writes) {
          if (write.fields.empty()) {
            THETA_TRY(
                tx.add_component(table.name, op.entity, table.components[write.component].name));
          }
          for (const data::FieldWrite& field : write.fields) {
            THETA_TRY(tx.set(op.table, op.entity, write.component, field.field, field.value));
          }
        }
        break;
      case data::OpKind::kRemoveComponents:
        for (std::size_t k = 0; k < table.components.size(); ++k) {
          if ((op.components >> k) & 1) {
            THETA_TRY(tx.remove_component(table.name, op.entity, table.components[k].name));
          }
        }
        break;
      case data::OpKind::kRemoveEntity:
        THETA_TRY(tx.remove_entity(table.name, op.entity));
        break;
    }
  }
  return tx;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::shared_ptr<const data::DataSchema>& reference_data_schema() {
  static const std::shared_ptr<const data::DataSchema> schema = [] {
    auto parsed = data::DataSchema::from_toml(kReferenceGameToml);
    if (!parsed.ok()) {
      // The file is compiled in and tested: this is a build that cannot work at all.
      std::fprintf(stderr, "theta_net: schemas/data/reference_game.toml: %s\n",
                   parsed.error().describe().c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return schema;
}

Result<std::shared_ptr<const data::DataSchema>> compose_game_schema(
    const std::shared_ptr<const data::DataSchema>& user) {
  const std::shared_ptr<const data::DataSchema>& reference = reference_data_schema();
  if (!user) return reference;
  std::vector<data::TableSpec> tables = reference->tables();
  for (const data::TableSpec& table : user->tables()) {
    if (reference->table_index(table.name) >= 0) {
      return make_error(ErrorCode::kInvalidArgument, "data schema '", user->name(),
                        "' declares a table '", table.name,
                        "', which the reference game's schema '", reference->name(),
                        "' has already: give it another name");
    }
    tables.push_back(table);
  }
  return data::DataSchema::make(user->name(), user->major(), user->minor(), std::move(tables));
}

bool client_may_write(const data::DataSchema& schema, const data::Op& op) {
  return op.table >= schema.tables().size() || schema.table(op.table).name != kPlayersTable;
}

Status check_client_ops(const data::DataSchema& schema, const std::vector<data::Op>& ops) {
  for (const data::Op& op : ops) {
    if (!client_may_write(schema, op)) {
      return make_error(ErrorCode::kInvalidArgument, "the ", schema.table(op.table).name,
                        " table is kept by the server: clients may not write it");
    }
  }
  return {};
}

namespace {

data::DataHostConfig with_game_policy(const data::DataSchema& schema, data::DataHostConfig config) {
  // The schema outlives the host (the host holds it), so the policy may point at it.
  config.write_policy = [&schema, user = std::move(config.write_policy)](data::DataClientId client,
                                                                         const data::Op& op) {
    return client_may_write(schema, op) && (!user || user(client, op));
  };
  return config;
}

}  // namespace

GameData::GameData(std::shared_ptr<const data::DataSchema> schema, data::DataHostConfig config)
    : schema_(schema ? std::move(schema) : reference_data_schema()),
      host_(schema_, with_game_policy(*schema_, std::move(config))),
      players_table_(static_cast<std::uint16_t>(schema_->table_index(kPlayersTable))) {}

protocol::DataWrite GameData::normalise_write(const protocol::DataWrite& write) const {
  const data::DataSchema& schema = host_.schema();
  auto ops = data::decode_ops(schema, write.payload, write.ops);
  if (!ops.ok()) return write;
  auto tx = transaction_of(schema_, *ops);
  if (!tx.ok()) return write;
  protocol::DataWrite out = write;
  out.ops = static_cast<std::uint32_t>(tx->ops().size());
  out.payload = data::encode_ops(schema, tx->ops());
  return out;
}

Status GameData::commit_recorded(const std::vector<data::Op>& ops) {
  THETA_TRY_ASSIGN(data::Transaction tx, transaction_of(schema_, ops));
  if (tx.empty()) return {};
  THETA_TRY(host_.commit(tx));
  open_ops_ += tx.ops().size();
  return {};
}

void GameData::update_players(const sim::Simulation& simulation, const sim::StepReport& report) {
  for (const sim::BlockEdit& edit : report.edits) {
    PlayerCounts& counts = counts_[edit.by];
    ++(edit.after == world::blocks::kAir ? counts.broken : counts.placed);
  }
  for (sim::PlayerId player : report.respawned) ++counts_[player].respawns;

  const data::DataSchema& schema = host_.schema();
  const data::TableSpec& spec = schema.table(players_table_);
  const data::Table& table = host_.store().table(players_table_);
  data::Transaction tx = host_.transaction();
  for (data::EntityId id : table.ids()) {
    if (!simulation.player(static_cast<sim::PlayerId>(id))) {
      // A table we own, an id it holds: this cannot be refused.
      (void)tx.remove_entity(spec.name, id);
      counts_.erase(static_cast<sim::PlayerId>(id));
    }
  }
  const std::uint16_t status = static_cast<std::uint16_t>(spec.component_index("status"));
  const data::ComponentSpec& component = spec.components[status];
  for (const auto& [id, player] : simulation.players()) {
    const PlayerCounts& counts = counts_[id];
    const std::array<data::Value, kStatusFields.size()> wanted = {
        data::Value(player.name),
        data::Value(std::int64_t{player.state.health}),
        data::Value(std::int64_t{player.state.selected_slot}),
        data::Value(counts.placed),
        data::Value(counts.broken),
        data::Value(counts.respawns)};
    const std::optional<std::size_t> row = table.find(id);
    const bool present = row && table.has(*row, status);
    for (std::size_t i = 0; i < kStatusFields.size(); ++i) {
      const auto field = static_cast<std::uint16_t>(component.field_index(kStatusFields[i]));
      if (present && table.get(*row, status, field) == wanted[i]) continue;
      // In range by the schema (names are at most 64 bytes by the handshake, health an i16,
      // slots 0..8, counts far below 2^32): a refusal here would be a bug, and is skipped.
      (void)tx.set(players_table_, id, status, field, wanted[i]);
    }
  }
  if (tx.empty()) return;
  if (host_.commit(tx).ok()) open_ops_ += tx.ops().size();
}

std::optional<DataBatchRecord> GameData::flush(Micros now) {
  return closed(host_.flush(now));
}

std::optional<DataBatchRecord> GameData::closed(std::optional<data::Version> version) {
  if (!version) return std::nullopt;
  DataBatchRecord record{*version, open_ops_, host_.store().digest()};
  open_ops_ = 0;
  return record;
}

std::string bytes_to_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

Result<Bytes> hex_to_bytes(std::string_view text) {
  if (text.size() % 2 != 0) {
    return make_error(ErrorCode::kCorrupt, "hex text of odd length ", text.size());
  }
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return make_error(ErrorCode::kCorrupt, "no hex digit at offset ", hi < 0 ? i : i + 1);
    }
    out[i / 2] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace theta_net::session
