// Transaction: a set of writes to a data store, built by name (checked against the schema, with
// errors that name the table, component or field) or by index, committed whole by
// DataHost::commit or sent whole by ClientDB::write. ops() gives them normalised: one op per
// (table, entity) in the order first touched, components and fields in schema order, a later
// write to the same field replacing an earlier one, a remove dropping earlier writes it covers.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"

namespace theta_net::data {

class Transaction {
 public:
  explicit Transaction(std::shared_ptr<const DataSchema> schema);

  // Sets one field (the component is created with its defaults if the entity lacks it).
  // Errors: kInvalidArgument (no such table, component or field: the message names it and the
  // table's components or the component's fields), and those of FieldSpec::check.
  Status set(std::string_view table, EntityId entity, std::string_view component,
             std::string_view field, Value value);
  // Creates the entity with a component at its defaults (or leaves it as it is).
  // Errors: kInvalidArgument (no such table or component).
  Status add_component(std::string_view table, EntityId entity, std::string_view component);
  // Errors: kInvalidArgument (no such table or component).
  Status remove_component(std::string_view table, EntityId entity, std::string_view component);
  // Errors: kInvalidArgument (no such table).
  Status remove_entity(std::string_view table, EntityId entity);

  // The same by index, for hot loops (indices must be valid; values are checked).
  // Errors: kOutOfRange (an index past the schema), and those of FieldSpec::check.
  Status set(std::uint16_t table, EntityId entity, std::uint16_t component, std::uint16_t field,
             Value value);

  bool empty() const { return ops_.empty(); }
  const std::vector<Op>& ops() const { return ops_; }
  const DataSchema& schema() const { return *schema_; }
  void clear() { ops_.clear(); }

 private:
  Op& op_for(std::uint16_t table, EntityId entity);
  std::shared_ptr<const DataSchema> schema_;
  std::vector<Op> ops_;
};

}  // namespace theta_net::data
