// GameData: the reference game's replicated data (docs/game.md, "Data"): a DataHost on the
// reference game's tables (schemas/data/reference_game.toml, compiled in) with the application's
// own tables appended, kept by the authoritative world (ServerWorld owns one):
//   players   one row per player (entity = its player id): name, health, selected slot, blocks
//             placed and broken, respawns; kept from the simulation, never written by clients
//   markers   named markers that players place (label, position, colour, owner)
//   (user)    the application's tables, written by clients
// Every change happens in an order a replay repeats: clients' writes as they arrive (each one
// normalised first, so that what the host commits is exactly what the input log records), then
// once per tick the players' rows and the flush that closes the tick's batch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/sim/simulation.hpp"

namespace theta_net::session {

// The reference game's tables, parsed once from the compiled-in TOML.
const std::shared_ptr<const data::DataSchema>& reference_data_schema();

// The reference tables followed by the application's (`user` may be null: the reference tables
// alone). The result takes the user schema's name and version, so its minor versions (optional
// fields appended later) work as they would alone.
// Errors: kInvalidArgument (a user table named like a reference table: the message names both
// schemas and the table), and those of DataSchema::make (more tables than kMaxTables).
Result<std::shared_ptr<const data::DataSchema>> compose_game_schema(
    const std::shared_ptr<const data::DataSchema>& user);

// Whether a client may make an op: not on a table the server keeps from the simulation
// (players). GameData's DataHost refuses other ops (not_allowed) by this rule.
bool client_may_write(const data::DataSchema& schema, const data::Op& op);
// The same for a whole write, with the reason (for checking a write before it is made).
// Errors: kInvalidArgument (naming the table).
Status check_client_ops(const data::DataSchema& schema, const std::vector<data::Op>& ops);

// The batch a flush closed, as the event stream records it.
struct DataBatchRecord {
  data::Version version = 0;
  std::uint64_t ops = 0;     // ops committed into the batch
  std::uint64_t digest = 0;  // Store::digest() after it
};

class GameData {
 public:
  // `schema` comes from compose_game_schema (null: the reference tables alone). The host's
  // write policy is client_may_write (and config.write_policy, when one is given).
  explicit GameData(std::shared_ptr<const data::DataSchema> schema,
                    data::DataHostConfig config = {});

  data::DataHost& host() { return host_; }
  const data::DataHost& host() const { return host_; }

  // A client's write as the host should commit it: decoded, rebuilt as one Transaction (one op
  // per entity, fields in schema order) and encoded again, so that a replay of the recorded ops
  // commits the same ops. The write id and base version are kept. A write that does not decode
  // is returned as it is (the host refuses it, saying why).
  protocol::DataWrite normalise_write(const protocol::DataWrite& write) const;
  // Counts ops a client write added to the open batch (the host committed it).
  void count_committed(std::uint64_t ops) { open_ops_ += ops; }
  // Commits recorded ops (a replayed client write): the same ops the host committed live.
  // Errors: those of DataHost::commit (ops the store refuses).
  Status commit_recorded(const std::vector<data::Op>& ops);

  // Brings the players table up to date with the simulation after a tick: rows for new players,
  // changed fields of the others, removal of players who left; `report` counts the tick's block
  // edits and respawns.
  void update_players(const sim::Simulation& simulation, const sim::StepReport& report);
  // Closes the tick's batch, if anything was committed.
  std::optional<DataBatchRecord> flush(Micros now);
  // The record of a batch the host's flush closed elsewhere (a CollabHost's flush).
  std::optional<DataBatchRecord> closed(std::optional<data::Version> version);

 private:
  struct PlayerCounts {
    std::int64_t placed = 0, broken = 0, respawns = 0;
  };

  std::shared_ptr<const data::DataSchema> schema_;
  data::DataHost host_;
  std::uint16_t players_table_ = 0;
  std::map<sim::PlayerId, PlayerCounts> counts_;
  std::uint64_t open_ops_ = 0;
};

// Hex text of bytes (lower case), and back (a border: the input log is read from outside).
std::string bytes_to_hex(ByteSpan bytes);
// Errors: kCorrupt (an odd length or a character that is no hex digit, naming its offset).
Result<Bytes> hex_to_bytes(std::string_view text);

}  // namespace theta_net::session
