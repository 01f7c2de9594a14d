// Python <-> data-layer values, by field spec: the one place the Python API turns a user's
// number, name, text or list into what a field stores, and back (the field spec does the
// arithmetic; data_values.hpp holds the one conversion). Errors raise theta_net.DataError
// naming the field.
#pragma once

#include <pybind11/pybind11.h>

#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::bindings {

namespace py = pybind11;

// A Python value in user units (bool, int, float, enum name, str, bytes, or a sequence of
// `count` of them for an array field) as the field's stored value.
data::Value value_from_py(const data::FieldSpec& spec, const py::handle& value);
// A stored value in user units (arrays as lists).
py::object value_to_py(const data::FieldSpec& spec, const data::Value& value);

// {component: {field: value}} of the present components of a table's row.
py::dict row_to_py(const data::Table& table, std::size_t row);

// A component's spec by name, and a field's, with DataError naming what is missing.
const data::TableSpec& table_spec(const data::DataSchema& schema, std::string_view table,
                                  std::size_t* index = nullptr);
const data::ComponentSpec& component_spec(const data::TableSpec& table, std::string_view name,
                                          std::size_t* index = nullptr);
const data::FieldSpec& field_spec(const data::ComponentSpec& component, std::string_view name,
                                  std::size_t* index = nullptr);

}  // namespace theta_net::bindings
