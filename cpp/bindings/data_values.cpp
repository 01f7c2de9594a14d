#include "data_values.hpp"

#include <pybind11/stl.h>

#include <vector>

#include "theta_net/core/text_list.hpp"

namespace theta_net::bindings {
namespace {

[[noreturn]] void raise(Error error) {
  throw BorderError(ErrorKind::kError, std::move(error));
}

// One element of a field (a scalar, or one entry of an array) as Python sees it.
py::object element_to_python(const data::FieldSpec& field, std::int64_t code) {
  switch (field.type) {
    case data::FieldType::kBool:
      return py::bool_(code != 0);
    case data::FieldType::kEnum:
      if (code >= 0 && static_cast<std::size_t>(code) < field.enum_values.size())
        return py::str(field.enum_values[static_cast<std::size_t>(code)]);
      return py::int_(code);
    case data::FieldType::kFixed:
    case data::FieldType::kFloat:
      return py::float_(field.code_to_units(code));
    default:
      return py::int_(code);
  }
}

Result<std::int64_t> element_from_python(const data::FieldSpec& field, const py::handle& value) {
  const bool is_bool = py::isinstance<py::bool_>(value);
  const bool is_int = py::isinstance<py::int_>(value) && !is_bool;
  const bool is_number = is_int || py::isinstance<py::float_>(value);
  switch (field.type) {
    case data::FieldType::kBool:
      if (is_bool) return value.cast<bool>() ? 1 : 0;
      break;
    case data::FieldType::kInt:
      if (is_int) return value.cast<std::int64_t>();
      break;
    case data::FieldType::kEnum:
      if (py::isinstance<py::str>(value)) {
        const std::string name = value.cast<std::string>();
        for (std::size_t i = 0; i < field.enum_values.size(); ++i) {
          if (field.enum_values[i] == name) return static_cast<std::int64_t>(i);
        }
        return make_error(ErrorCode::kInvalidArgument, "'", name, "' is not one of its values (",
                          or_list(field.enum_values), ")");
      }
      if (is_int) return value.cast<std::int64_t>();
      break;
    case data::FieldType::kFixed:
    case data::FieldType::kFloat:
      if (is_number) return field.units_to_code(value.cast<double>());
      break;
    default:
      break;
  }
  const char* expected = field.type == data::FieldType::kBool   ? "true or false"
                         : field.type == data::FieldType::kInt  ? "an integer"
                         : field.type == data::FieldType::kEnum ? "a value's name"
                                                                : "a number";
  return make_error(ErrorCode::kInvalidArgument, "expected ", expected, " (a ",
                    data::field_type_name(field.type), " field), got ",
                    py::str(py::type::of(value).attr("__name__")).cast<std::string>());
}

Result<data::Value> unchecked_value(const data::FieldSpec& field, const py::handle& value) {
  if (field.type == data::FieldType::kString) {
    if (!py::isinstance<py::str>(value))
      return make_error(ErrorCode::kInvalidArgument, "a string field takes a str");
    return data::Value(value.cast<std::string>());
  }
  if (field.type == data::FieldType::kBytes) {
    if (!py::isinstance<py::bytes>(value))
      return make_error(ErrorCode::kInvalidArgument, "a bytes field takes bytes");
    return data::Value(value.cast<std::string>());
  }
  if (field.type == data::FieldType::kF64 && field.count == 1) {
    if (!py::isinstance<py::float_>(value) &&
        !(py::isinstance<py::int_>(value) && !py::isinstance<py::bool_>(value)))
      return make_error(ErrorCode::kInvalidArgument, "an f64 field takes a number");
    return data::Value(value.cast<double>());
  }
  if (field.count == 1) {
    THETA_TRY_ASSIGN(std::int64_t code, element_from_python(field, value));
    return data::Value(code);
  }
  if (!py::isinstance<py::list>(value) && !py::isinstance<py::tuple>(value))
    return make_error(ErrorCode::kInvalidArgument, "an array field takes a list of ",
                      int{field.count});
  const py::sequence items = py::reinterpret_borrow<py::sequence>(value);
  if (items.size() != field.count) {
    return make_error(ErrorCode::kInvalidArgument, "an array field takes ", int{field.count},
                      " elements, not ", items.size());
  }
  if (field.type == data::FieldType::kF64) {
    std::vector<double> out;
    for (const py::handle item : items) out.push_back(item.cast<double>());
    return data::Value(std::move(out));
  }
  std::vector<std::int64_t> out;
  for (const py::handle item : items) {
    THETA_TRY_ASSIGN(std::int64_t code, element_from_python(field, item));
    out.push_back(code);
  }
  return data::Value(std::move(out));
}

const data::TableSpec& table_named(const data::DataSchema& schema, const std::string& table,
                                   std::size_t* index) {
  const int i = schema.table_index(table);
  if (i < 0) {
    std::vector<std::string> names;
    for (const data::TableSpec& t : schema.tables()) names.push_back(t.name);
    raise(make_error(ErrorCode::kInvalidArgument, "no table '", table, "' (the tables are ",
                     or_list(names), ")"));
  }
  if (index) *index = static_cast<std::size_t>(i);
  return schema.table(static_cast<std::size_t>(i));
}

}  // namespace

py::object value_to_python(const data::FieldSpec& field, const data::Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (field.type == data::FieldType::kBytes) return py::bytes(*text);
    return py::str(*text);
  }
  if (const auto* real = std::get_if<double>(&value)) return py::float_(*real);
  if (const auto* code = std::get_if<std::int64_t>(&value)) return element_to_python(field, *code);
  py::list out;
  if (const auto* codes = std::get_if<std::vector<std::int64_t>>(&value)) {
    for (std::int64_t c : *codes) out.append(element_to_python(field, c));
  } else if (const auto* reals = std::get_if<std::vector<double>>(&value)) {
    for (double r : *reals) out.append(py::float_(r));
  }
  return out;
}

Result<data::Value> value_from_python(const data::FieldSpec& field, const py::handle& value) {
  THETA_TRY_ASSIGN(data::Value v, unchecked_value(field, value));
  THETA_TRY(field.check(v));
  return v;
}

py::list table_rows(const data::Store& store, const std::string& table) {
  std::size_t index = 0;
  const data::TableSpec& spec = table_named(store.schema(), table, &index);
  const data::Table& rows = store.table(index);
  py::list out;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    py::dict entity;
    entity["id"] = rows.ids()[row];
    for (std::size_t k = 0; k < spec.components.size(); ++k) {
      if (!rows.has(row, k)) continue;
      py::dict fields;
      const data::ComponentSpec& component = spec.components[k];
      for (std::size_t f = 0; f < component.fields.size(); ++f) {
        fields[py::str(component.fields[f].name)] =
            value_to_python(component.fields[f], rows.get(row, k, f));
      }
      entity[py::str(component.name)] = fields;
    }
    out.append(entity);
  }
  return out;
}

data::Transaction write_from_python(const std::shared_ptr<const data::DataSchema>& schema,
                                    const std::string& table, data::EntityId entity,
                                    const py::object& set, bool remove) {
  const data::TableSpec& spec = table_named(*schema, table, nullptr);
  data::Transaction tx(schema);
  if (remove) {
    if (!set.is_none()) {
      raise(make_error(ErrorCode::kInvalidArgument, "give set or remove, not both"));
    }
    unwrap(tx.remove_entity(table, entity), ErrorKind::kError);
    return tx;
  }
  if (!py::isinstance<py::dict>(set) || py::len(set) == 0) {
    raise(make_error(ErrorCode::kInvalidArgument,
                     "set must be a non-empty {component: {field: value}} table"));
  }
  for (const auto& [key, fields] : py::reinterpret_borrow<py::dict>(set)) {
    const std::string component = py::str(key).cast<std::string>();
    const int k = spec.component_index(component);
    if (k < 0) {
      std::vector<std::string> names;
      for (const data::ComponentSpec& c : spec.components) names.push_back(c.name);
      raise(make_error(ErrorCode::kInvalidArgument, "table '", table, "' has no component '",
                       component, "' (it has ", or_list(names), ")"));
    }
    const data::ComponentSpec& comp = spec.components[static_cast<std::size_t>(k)];
    if (!py::isinstance<py::dict>(fields)) {
      raise(make_error(ErrorCode::kInvalidArgument, table, ".", component,
                       ": expected a {field: value} table"));
    }
    if (py::len(fields) == 0) unwrap(tx.add_component(table, entity, component), ErrorKind::kError);
    for (const auto& [name, value] : py::reinterpret_borrow<py::dict>(fields)) {
      const std::string field = py::str(name).cast<std::string>();
      const int f = comp.field_index(field);
      if (f < 0) {
        std::vector<std::string> names;
        for (const data::FieldSpec& spec_field : comp.fields) names.push_back(spec_field.name);
        raise(make_error(ErrorCode::kInvalidArgument, table, ".", component, " has no field '",
                         field, "' (it has ", or_list(names), ")"));
      }
      Result<data::Value> v = value_from_python(comp.fields[static_cast<std::size_t>(f)], value);
      if (!v.ok()) {
        raise(
            make_error(v.error().code, table, ".", component, ".", field, ": ", v.error().message));
      }
      unwrap(tx.set(table, entity, component, field, std::move(*v)), ErrorKind::kError);
    }
  }
  return tx;
}

}  // namespace theta_net::bindings
