#include "data_value_convert.hpp"

#include <pybind11/stl.h>

#include "border.hpp"
#include "data_values.hpp"

namespace theta_net::bindings {
namespace {

[[noreturn]] void data_error(ErrorCode code, const std::string& message) {
  throw BorderError(ErrorKind::kData, Error{code, message});
}

}  // namespace

// One conversion for every binding: data_values.hpp's, raised as DataError here.
data::Value value_from_py(const data::FieldSpec& spec, const py::handle& value) {
  auto converted = value_from_python(spec, value);
  if (!converted.ok()) {
    Error error = std::move(converted).error();
    // Range errors (FieldSpec::check) name the field already; kind errors do not.
    if (error.code == ErrorCode::kInvalidArgument) {
      error.message = str_cat("field '", spec.name, "': ", error.message);
    }
    throw BorderError(ErrorKind::kData, std::move(error));
  }
  return std::move(converted).value();
}

py::object value_to_py(const data::FieldSpec& spec, const data::Value& value) {
  return value_to_python(spec, value);
}

py::dict row_to_py(const data::Table& table, std::size_t row) {
  py::dict out;
  const auto& spec = table.spec();
  for (std::size_t c = 0; c < spec.components.size(); ++c) {
    if (!table.has(row, c)) continue;
    const auto& component = spec.components[c];
    py::dict fields;
    for (std::size_t f = 0; f < component.fields.size(); ++f) {
      fields[py::str(component.fields[f].name)] =
          value_to_py(component.fields[f], table.get(row, c, f));
    }
    out[py::str(component.name)] = fields;
  }
  return out;
}

const data::TableSpec& table_spec(const data::DataSchema& schema, std::string_view table,
                                  std::size_t* index) {
  const int i = schema.table_index(table);
  if (i < 0) {
    std::string names;
    for (const auto& t : schema.tables()) names += (names.empty() ? "" : ", ") + t.name;
    data_error(ErrorCode::kInvalidArgument, str_cat("no table \"", table, "\" in schema ",
                                                    schema.name(), " (tables: ", names, ")"));
  }
  if (index) *index = static_cast<std::size_t>(i);
  return schema.table(static_cast<std::size_t>(i));
}

const data::ComponentSpec& component_spec(const data::TableSpec& table, std::string_view name,
                                          std::size_t* index) {
  const int i = table.component_index(name);
  if (i < 0) {
    std::string names;
    for (const auto& c : table.components) names += (names.empty() ? "" : ", ") + c.name;
    data_error(ErrorCode::kInvalidArgument, str_cat("table ", table.name, " has no component \"",
                                                    name, "\" (components: ", names, ")"));
  }
  if (index) *index = static_cast<std::size_t>(i);
  return table.components[static_cast<std::size_t>(i)];
}

const data::FieldSpec& field_spec(const data::ComponentSpec& component, std::string_view name,
                                  std::size_t* index) {
  const int i = component.field_index(name);
  if (i < 0) {
    std::string names;
    for (const auto& f : component.fields) names += (names.empty() ? "" : ", ") + f.name;
    data_error(ErrorCode::kInvalidArgument,
               str_cat("component ", component.name, " has no field \"", name,
                       "\" (fields: ", names, ")"));
  }
  if (index) *index = static_cast<std::size_t>(i);
  return component.fields[static_cast<std::size_t>(i)];
}

}  // namespace theta_net::bindings
