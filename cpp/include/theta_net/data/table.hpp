// Table: the entities of one user-defined table, stored by column. Entities are kept sorted by
// id (iteration order is the same on every peer); each has a component mask and, per field, its
// value in the field's column (int64 codes, doubles or strings; `count` elements per entity for
// an array field). Absent components hold their fields' defaults. Sorted flat columns give
// Python zero-copy numpy views of a field and make equal tables byte-identical.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"

namespace theta_net::data {

class Table {
 public:
  // Keeps a pointer to spec (and its fields): the schema that owns it must outlive the table.
  explicit Table(const TableSpec& spec);

  const TableSpec& spec() const { return *spec_; }
  std::size_t size() const { return ids_.size(); }
  std::span<const EntityId> ids() const { return ids_; }
  std::uint64_t mask(std::size_t row) const { return masks_[row]; }
  std::optional<std::size_t> find(EntityId id) const;
  bool has(std::size_t row, std::size_t component) const { return (masks_[row] >> component) & 1; }

  // A field's value at a row (a copy); the field's default when the component is absent.
  Value get(std::size_t row, std::size_t component, std::size_t field) const;
  // The whole column of a field (rows x count elements), for numpy views. Exactly one of the
  // three is non-empty, by the field's representation.
  std::span<const std::int64_t> int_column(std::size_t component, std::size_t field) const;
  std::span<const double> real_column(std::size_t component, std::size_t field) const;
  std::span<const std::string> text_column(std::size_t component, std::size_t field) const;

  // Applies one op (already checked against the schema: see check_op) and keeps state_hash()
  // up to date. Returns whether the table changed.
  bool apply(const Op& op);
  // The table's state hash (state_hash.hpp): the sum of its entities' hashes, maintained by
  // apply(); equal contents, equal hash, whatever order they were built in.
  std::uint64_t state_hash() const { return state_hash_; }
  // The state hash of the entity at `row`, and its record (state_hash.hpp) appended to `out`.
  std::uint64_t entity_hash(std::size_t row) const;
  void write_entity(std::size_t row, ByteWriter& out) const;
  // Checks an op against this table's spec: indices in range, components and fields in order
  // and unique, values that FieldSpec::check accepts, no members its kind does not use. An
  // upsert with no writes is valid (it creates the entity with no components), and so is a
  // component write with no fields (it adds the component at its defaults).
  // Errors: kOutOfRange (a component or field index past the spec, a value out of range),
  // kInvalidArgument (components or fields out of order or repeated, a value of the wrong
  // representation, a remove of no components, an unknown kind, writes or a mask on an op
  // whose kind does not use them).
  Status check_op(const Op& op) const;

  // The entity at `row` as one upsert op of all its present components (snapshots, undo).
  Op row_as_op(std::size_t row, std::uint16_t table_index) const;
  void clear();
  std::size_t memory_bytes() const;
  bool operator==(const Table& other) const;

 private:
  struct Column {
    const FieldSpec* spec = nullptr;
    std::vector<std::int64_t> ints;
    std::vector<double> reals;
    std::vector<std::string> texts;
  };
  // apply() without the hash: whether the table changed (the entity at `pos` exists or not).
  bool apply_at(const Op& op, std::size_t pos, bool exists);
  std::size_t insert_row(std::size_t pos, EntityId id);
  void erase_row(std::size_t row);
  void reset_component(std::size_t row, std::size_t component);
  void set_field(std::size_t row, std::size_t component, const FieldWrite& write);
  Column& column(std::size_t component, std::size_t field);
  const Column& column(std::size_t component, std::size_t field) const;

  const TableSpec* spec_;
  std::vector<EntityId> ids_;
  std::vector<std::uint64_t> masks_;
  std::vector<std::size_t> first_column_;  // per component: its first field's column
  std::vector<Column> columns_;
  std::uint64_t state_hash_ = 0;
};

}  // namespace theta_net::data
