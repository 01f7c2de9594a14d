// Transaction: a set of writes to a data store, built by name (checked against the schema, with
// errors that name the table, component or field) or by index, committed whole by
// DataHost::commit or sent whole by ClientDB::write. ops() gives them normalised: per (table,
// entity), in the order first touched, at most a removal (remove_entity, or remove_components
// of every component removed) followed by at most one upsert (components and fields in schema
// order, a later write to the same field replacing an earlier one); a remove drops the earlier
// writes it covers (an upsert left with no writes still creates the entity, as the dropped
// writes did). The removal comes first because a write after a remove re-creates what
// was removed from its defaults; writes before a remove are simply dropped.
#pragma once

#include <cstdint>
#include <map>
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

  bool empty() const { return entities_.empty(); }
  const std::vector<Op>& ops() const;
  const DataSchema& schema() const { return *schema_; }
  void clear();

 private:
  // What the transaction does to one entity so far.
  struct EntityWrites {
    std::uint16_t table = 0;
    EntityId entity = 0;
    bool remove_entity = false;
    std::uint64_t removed = 0;  // components removed first (when the entity is not)
    // Whether an upsert follows the removal. It stays when the components it wrote are removed
    // again: the write created the entity, which outlives its components.
    bool upsert = false;
    // The upsert's writes: component -> field -> value, in schema order.
    std::map<std::uint16_t, std::map<std::uint16_t, Value>> writes;
  };
  EntityWrites& entity_for(std::uint16_t table, EntityId entity);
  // Errors: kInvalidArgument (no such table: the message lists the schema's tables).
  Result<std::uint16_t> table_named(std::string_view table) const;
  // Errors: kInvalidArgument (no such component: the message lists the table's components).
  Result<std::uint16_t> component_named(std::uint16_t table, std::string_view component) const;

  std::shared_ptr<const DataSchema> schema_;
  std::vector<EntityWrites> entities_;                               // in the order first touched
  std::map<std::pair<std::uint16_t, EntityId>, std::size_t> index_;  // into entities_
  mutable std::vector<Op> ops_;  // built from entities_ when asked for
  mutable bool ops_stale_ = false;
};

}  // namespace theta_net::data
