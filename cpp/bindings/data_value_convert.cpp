#include "data_value_convert.hpp"

#include <pybind11/stl.h>

#include <algorithm>

#include "border.hpp"

namespace theta_net::bindings {
namespace {

[[noreturn]] void data_error(ErrorCode code, const std::string& message) {
  throw BorderError(ErrorKind::kData, Error{code, message});
}

std::int64_t enum_index(const data::FieldSpec& spec, const std::string& name) {
  const auto it = std::find(spec.enum_values.begin(), spec.enum_values.end(), name);
  if (it != spec.enum_values.end()) return it - spec.enum_values.begin();
  std::string values;
  for (const auto& v : spec.enum_values) values += (values.empty() ? "" : ", ") + v;
  data_error(ErrorCode::kInvalidArgument, str_cat("field ", spec.name, ": \"", name,
                                                  "\" is not one of its values (", values, ")"));
}

std::int64_t scalar_code(const data::FieldSpec& spec, const py::handle& item) {
  switch (spec.type) {
    case data::FieldType::kBool:
      if (!py::isinstance<py::bool_>(item) && !py::isinstance<py::int_>(item)) break;
      return item.cast<bool>() ? 1 : 0;
    case data::FieldType::kEnum:
      if (py::isinstance<py::str>(item)) return enum_index(spec, item.cast<std::string>());
      if (py::isinstance<py::int_>(item)) return item.cast<std::int64_t>();
      break;
    case data::FieldType::kInt:
      if (py::isinstance<py::int_>(item) || py::hasattr(item, "__index__")) {
        return item.cast<std::int64_t>();
      }
      break;
    case data::FieldType::kFixed:
    case data::FieldType::kFloat:
      if (py::isinstance<py::float_>(item) || py::isinstance<py::int_>(item) ||
          py::hasattr(item, "__float__")) {
        return unwrap(spec.units_to_code(item.cast<double>()), ErrorKind::kData);
      }
      break;
    default:
      break;
  }
  data_error(ErrorCode::kInvalidArgument,
             str_cat("field ", spec.name, " (", data::field_type_name(spec.type), ") cannot take ",
                     py::str(py::type::of(item)).cast<std::string>()));
}

py::object scalar_to_py(const data::FieldSpec& spec, std::int64_t code) {
  switch (spec.type) {
    case data::FieldType::kBool:
      return py::bool_(code != 0);
    case data::FieldType::kEnum:
      if (code >= 0 && static_cast<std::size_t>(code) < spec.enum_values.size()) {
        return py::str(spec.enum_values[static_cast<std::size_t>(code)]);
      }
      return py::int_(code);
    case data::FieldType::kFixed:
    case data::FieldType::kFloat:
      return py::float_(spec.code_to_units(code));
    default:
      return py::int_(code);
  }
}

}  // namespace

data::Value value_from_py(const data::FieldSpec& spec, const py::handle& value) {
  data::Value out;
  if (spec.is_text()) {
    if (spec.type == data::FieldType::kString && py::isinstance<py::str>(value)) {
      out = value.cast<std::string>();
    } else if (spec.type == data::FieldType::kBytes &&
               (py::isinstance<py::bytes>(value) || py::isinstance<py::bytearray>(value))) {
      out = std::string(py::bytes(py::reinterpret_borrow<py::object>(value)));
    } else {
      data_error(ErrorCode::kInvalidArgument,
                 str_cat("field ", spec.name, " takes ",
                         spec.type == data::FieldType::kString ? "str" : "bytes", ", not ",
                         py::str(py::type::of(value)).cast<std::string>()));
    }
  } else if (spec.count > 1) {
    if (!py::isinstance<py::sequence>(value) && !py::hasattr(value, "__len__")) {
      data_error(ErrorCode::kInvalidArgument, str_cat("field ", spec.name, " is an array of ",
                                                      int(spec.count), ": give a sequence"));
    }
    py::list items = py::list(py::reinterpret_borrow<py::object>(value));
    if (items.size() != spec.count) {
      data_error(ErrorCode::kInvalidArgument,
                 str_cat("field ", spec.name, " takes ", int(spec.count), " elements, got ",
                         items.size()));
    }
    if (spec.type == data::FieldType::kF64) {
      std::vector<double> reals;
      for (auto item : items) reals.push_back(item.cast<double>());
      out = std::move(reals);
    } else {
      std::vector<std::int64_t> codes;
      for (auto item : items) codes.push_back(scalar_code(spec, item));
      out = std::move(codes);
    }
  } else if (spec.type == data::FieldType::kF64) {
    if (!py::isinstance<py::float_>(value) && !py::isinstance<py::int_>(value) &&
        !py::hasattr(value, "__float__")) {
      data_error(ErrorCode::kInvalidArgument, str_cat("field ", spec.name, " takes a number"));
    }
    out = value.cast<double>();
  } else {
    out = scalar_code(spec, value);
  }
  unwrap(spec.check(out), ErrorKind::kData);
  return out;
}

py::object value_to_py(const data::FieldSpec& spec, const data::Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (spec.type == data::FieldType::kBytes) return py::bytes(*text);
    return py::str(*text);
  }
  if (const auto* real = std::get_if<double>(&value)) return py::float_(*real);
  if (const auto* code = std::get_if<std::int64_t>(&value)) return scalar_to_py(spec, *code);
  py::list out;
  if (const auto* reals = std::get_if<std::vector<double>>(&value)) {
    for (double r : *reals) out.append(py::float_(r));
  } else if (const auto* codes = std::get_if<std::vector<std::int64_t>>(&value)) {
    for (std::int64_t c : *codes) out.append(scalar_to_py(spec, c));
  }
  return out;
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
