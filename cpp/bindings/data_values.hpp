// Data-layer values at the Python border, by each field's spec (data/field_spec.hpp): a stored
// Value as the Python value an application sees (bool, int, enum name, fixed and float as float,
// str, bytes, lists for arrays), and back; a store's rows as dicts; a write given as
// {component: {field: value}} as a Transaction. Every bad argument raises theta_net.Error naming
// the table, component or field and what is wrong.
#pragma once

#include <cstdint>
#include <string>

#include "border.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/data/transaction.hpp"

namespace theta_net::bindings {

py::object value_to_python(const data::FieldSpec& field, const data::Value& value);
// Errors: kInvalidArgument (a value of another kind, an unknown enum name, a non-finite
// number, an array of another length), and those of FieldSpec::check (out of range).
Result<data::Value> value_from_python(const data::FieldSpec& field, const py::handle& value);

// Every entity of `table` in id order: {"id": id, component: {field: value}, ...} with the
// components it has.
// Errors (raised): kInvalidArgument (no such table; the message lists the tables).
py::list table_rows(const data::Store& store, const std::string& table);

// A write of `set` ({component: {field: value}}) to one entity, or its removal.
// Errors (raised): kInvalidArgument (no such table, component or field, a value of the wrong
// kind, both or neither of set and remove), kOutOfRange (a value out of its field's range).
data::Transaction write_from_python(const std::shared_ptr<const data::DataSchema>& schema,
                                    const std::string& table, data::EntityId entity,
                                    const py::object& set, bool remove);

}  // namespace theta_net::bindings
