#include "theta_net/data/data_interest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "theta_net/core/integer_math.hpp"

namespace theta_net::data {
namespace {

std::int32_t clamp_cell(std::int64_t cell) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(
      cell, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
}

// The first element of a numeric value (a position field is a scalar; an array's first element
// stands for it).
std::int64_t first_int(const Value& value) {
  if (const auto* v = std::get_if<std::int64_t>(&value)) return *v;
  if (const auto* v = std::get_if<std::vector<std::int64_t>>(&value))
    return v->empty() ? 0 : (*v)[0];
  return 0;
}

double first_real(const Value& value) {
  if (const auto* v = std::get_if<double>(&value)) return *v;
  if (const auto* v = std::get_if<std::vector<double>>(&value)) return v->empty() ? 0 : (*v)[0];
  return 0;
}

std::int64_t floor_to_int64(double blocks) {
  if (!std::isfinite(blocks)) return 0;
  constexpr double kLimit = 9.0e18;
  return static_cast<std::int64_t>(std::floor(std::clamp(blocks, -kLimit, kLimit)));
}

}  // namespace

CellLocator::CellLocator(const DataSchema& schema, int cell_blocks)
    : cell_blocks_(std::max(cell_blocks, 1)) {
  for (const TableSpec& table : schema.tables()) {
    std::optional<Position> position;
    if (table.spatial) {
      const int component = table.component_index(table.spatial->component);
      if (component >= 0) {
        const ComponentSpec& spec = table.components[static_cast<std::size_t>(component)];
        const int x = spec.field_index(table.spatial->x);
        const int y = spec.field_index(table.spatial->y);
        const int z = spec.field_index(table.spatial->z);
        // DataSchema::make has checked the spec; a table whose spec does not resolve is treated
        // as not spatial rather than trusted.
        if (x >= 0 && y >= 0 && z >= 0) {
          position = Position{static_cast<std::size_t>(component),
                              {static_cast<std::size_t>(x), static_cast<std::size_t>(y),
                               static_cast<std::size_t>(z)}};
        }
      }
    }
    tables_.push_back(position);
  }
}

std::int32_t CellLocator::axis_cell(const FieldSpec& field, const Value& value) const {
  std::int64_t blocks = 0;
  switch (field.type) {
    case FieldType::kFixed:
      // Steps of 2^-bits: an arithmetic shift is the floor.
      blocks = first_int(value) >> std::clamp(field.bits, 0, 62);
      break;
    case FieldType::kFloat:
      blocks = floor_to_int64(field.code_to_units(first_int(value)));
      break;
    case FieldType::kF64:
      blocks = floor_to_int64(first_real(value));
      break;
    default:
      blocks = first_int(value);
      break;
  }
  return clamp_cell(floor_div<std::int64_t>(blocks, cell_blocks_));
}

std::optional<Cell> CellLocator::cell_of(const Store& store, std::size_t table,
                                         std::size_t row) const {
  const auto& position = tables_[table];
  if (!position) return std::nullopt;
  const Table& t = store.table(table);
  if (!t.has(row, position->component)) return std::nullopt;
  const ComponentSpec& spec = t.spec().components[position->component];
  std::int32_t axes[3];
  for (int a = 0; a < 3; ++a) {
    const std::size_t f = position->fields[a];
    axes[a] = axis_cell(spec.fields[f], t.get(row, position->component, f));
  }
  return Cell{axes[0], axes[1], axes[2]};
}

DataInterest::DataInterest(const DataSchema& schema)
    : tables_(schema.tables().size(), true), by_cell_(schema.tables().size(), false) {}

DataInterest::DataInterest(const DataSchema& schema, const std::vector<std::uint16_t>& tables,
                           std::set<Cell> cells)
    : tables_(schema.tables().size(), tables.empty()),
      by_cell_(schema.tables().size(), false),
      cells_(std::move(cells)) {
  for (std::uint16_t t : tables) {
    if (t < tables_.size()) tables_[t] = true;
  }
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    if (!tables_[t]) filters_ = true;
    by_cell_[t] = tables_[t] && !cells_.empty() && schema.table(t).spatial.has_value();
    if (by_cell_[t]) filters_ = spatial_ = true;
  }
}

bool DataInterest::sees(std::size_t table, const std::optional<Cell>& cell) const {
  if (!tables_[table]) return false;
  if (!by_cell_[table]) return true;
  return cell && cells_.count(*cell) > 0;
}

bool DataInterest::sees_row(const Store& store, std::size_t table, std::size_t row,
                            const CellLocator& locate) const {
  if (!tables_[table]) return false;
  if (!by_cell_[table]) return true;
  return sees(table, locate.cell_of(store, table, row));
}

Moves SpatialIndex::update(const Store& store, const std::vector<Op>& ops) {
  Moves moves;
  for (const Op& op : ops) {
    if (op.table >= store.table_count() || !locate_.spatial(op.table)) continue;
    const MoveKey key{op.table, op.entity};
    if (moves.count(key)) continue;
    EntityMove move;
    if (auto it = cells_.find(key); it != cells_.end()) move.before = it->second;
    if (auto row = store.table(op.table).find(op.entity)) {
      move.exists_after = true;
      move.after = locate_.cell_of(store, op.table, *row);
    }
    if (move.after) {
      cells_[key] = *move.after;
    } else {
      cells_.erase(key);
    }
    moves.emplace(key, move);
  }
  return moves;
}

std::vector<Op> filter_ops(const std::vector<Op>& ops, const DataInterest& interest,
                           const Moves& moves, const Store& store) {
  std::vector<Op> out;
  std::set<MoveKey> settled;  // entities entering or leaving: sent once, whole or removed
  for (const Op& op : ops) {
    if (!interest.takes_table(op.table)) continue;
    if (!interest.by_cell(op.table)) {
      out.push_back(op);
      continue;
    }
    const MoveKey key{op.table, op.entity};
    auto it = moves.find(key);
    if (it == moves.end()) continue;  // not a spatial op (SpatialIndex saw every one)
    const bool was = interest.sees(op.table, it->second.before);
    const bool is = it->second.exists_after && interest.sees(op.table, it->second.after);
    if (was && is) {
      out.push_back(op);  // the client holds the entity: the ops apply to it as they are
      continue;
    }
    if (!was && !is) continue;
    if (!settled.insert(key).second) continue;
    if (is) {
      const Table& table = store.table(op.table);
      out.push_back(table.row_as_op(*table.find(op.entity), op.table));
    } else {
      Op remove;
      remove.table = op.table;
      remove.entity = op.entity;
      remove.kind = OpKind::kRemoveEntity;
      out.push_back(std::move(remove));
    }
  }
  return out;
}

}  // namespace theta_net::data
