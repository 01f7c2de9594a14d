// DataInterest: what one client of a DataHost replicates (docs/data.md): a subset of the tables,
// and, for spatial tables (TableSpec::spatial), the entities whose position lies in one of its
// cells. Cells are numbered as replication::InterestGrid numbers them: floor(position in blocks /
// cell_blocks) per axis, 16 blocks (a chunk) by default. An entity of a spatial table that lacks
// the position component is in no cell, so a client with cells does not see it.
//
// A client's mirror is the server's store restricted to its interest. The host keeps it so by
// filtering each batch: ops of tables the client does not take are dropped, and an entity of a
// spatial table that moved into the client's cells is sent whole (one upsert of its present
// components), one that moved out is sent as remove_entity. SpatialIndex remembers each spatial
// entity's cell at the last flushed version, which is what "moved" is measured against.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/replication/interest_grid.hpp"

namespace theta_net::data {

using replication::Cell;

// Finds the cell of an entity of a spatial table (the position fields resolved once).
class CellLocator {
 public:
  CellLocator(const DataSchema& schema, int cell_blocks);
  int cell_blocks() const { return cell_blocks_; }
  bool spatial(std::size_t table) const { return tables_[table].has_value(); }
  // The cell of the entity at `row` of `table`; nullopt when the table is not spatial or the
  // entity lacks the position component.
  std::optional<Cell> cell_of(const Store& store, std::size_t table, std::size_t row) const;

 private:
  struct Position {
    std::size_t component = 0;
    std::size_t fields[3] = {0, 0, 0};
  };
  std::int32_t axis_cell(const FieldSpec& field, const Value& value) const;
  int cell_blocks_;
  std::vector<std::optional<Position>> tables_;
};

class DataInterest {
 public:
  // Everything: every table, every cell.
  explicit DataInterest(const DataSchema& schema);
  // `tables`: indices of the tables taken (empty = all); `cells`: empty = everywhere.
  DataInterest(const DataSchema& schema, const std::vector<std::uint16_t>& tables,
               std::set<Cell> cells);

  bool takes_table(std::size_t table) const { return tables_[table]; }
  // Whether a spatial table is restricted by cells for this client.
  bool by_cell(std::size_t table) const { return by_cell_[table]; }
  // Whether this client sees the entity of `table` located in `cell` (nullopt: no position).
  bool sees(std::size_t table, const std::optional<Cell>& cell) const;
  // Whether the client sees the entity at `row` of the store now.
  bool sees_row(const Store& store, std::size_t table, std::size_t row,
                const CellLocator& locate) const;
  // Whether this client needs batches of its own (some table left out or restricted by cell);
  // false: it takes the shared batch every other such client takes.
  bool filters() const { return filters_; }
  // Whether some table this client takes is restricted by cell (its view then depends on where
  // entities were, which the archive does not record: such a client resyncs with a snapshot).
  bool spatial() const { return spatial_; }

 private:
  std::vector<bool> tables_;
  std::vector<bool> by_cell_;
  std::set<Cell> cells_;
  bool filters_ = false;
  bool spatial_ = false;
};

// Where an entity of a spatial table was at the version before a batch and is after it.
struct EntityMove {
  std::optional<Cell> before, after;
  bool exists_after = false;
};
using MoveKey = std::pair<std::uint16_t, EntityId>;  // table, entity
using Moves = std::map<MoveKey, EntityMove>;

class SpatialIndex {
 public:
  SpatialIndex(const DataSchema& schema, int cell_blocks) : locate_(schema, cell_blocks) {}

  const CellLocator& locator() const { return locate_; }
  // Records the cells of every entity of spatial tables that `ops` touched, as the store holds
  // them now, and returns where each was before and is now.
  Moves update(const Store& store, const std::vector<Op>& ops);
  std::size_t size() const { return cells_.size(); }

 private:
  CellLocator locate_;
  std::map<MoveKey, Cell> cells_;
};

// The ops of a batch as a client with `interest` must see them, given the moves of the batch
// (SpatialIndex::update) and the store after it.
std::vector<Op> filter_ops(const std::vector<Op>& ops, const DataInterest& interest,
                           const Moves& moves, const Store& store);

}  // namespace theta_net::data
