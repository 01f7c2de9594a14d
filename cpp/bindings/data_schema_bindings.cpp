// theta_net.data's declarations: fields, components, tables and schemas (from TOML or built in
// Python), and transactions over a schema. Values are in user units (data_value_convert.hpp).
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>

#include "border.hpp"
#include "data_bindings.hpp"
#include "data_value_convert.hpp"
#include "theta_net/data/transaction.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using data::FieldSpec;
using data::FieldType;

std::uint16_t since_minor(const std::optional<std::string>& since) {
  if (!since) return 0;
  const auto dot = since->find('.');
  try {
    if (dot != std::string::npos)
      return static_cast<std::uint16_t>(std::stoul(since->substr(dot + 1)));
  } catch (const std::exception&) {
  }
  throw BorderError(ErrorKind::kData, make_error(ErrorCode::kInvalidArgument, "since \"", *since,
                                                 "\" is not a version like \"1.2\""));
}

// A conflict strategy's text ("server", "lww", "merge:<name>"), or none.
std::optional<data::ConflictStrategy> strategy_from(const std::optional<std::string>& conflict) {
  if (!conflict) return std::nullopt;
  return unwrap(data::parse_conflict_strategy(*conflict), ErrorKind::kData);
}

std::optional<std::string> strategy_text(const std::optional<data::ConflictStrategy>& strategy) {
  if (!strategy) return std::nullopt;
  return strategy->text();
}

// A field of `type` with its default given in user units (or the type's zero when None) and its
// conflict strategy (None: its table's).
FieldSpec make_field(FieldSpec spec, const py::object& default_value,
                     const std::optional<std::string>& since,
                     const std::optional<std::string>& conflict) {
  spec.since_minor = since_minor(since);
  spec.conflict = strategy_from(conflict);
  if (spec.conflict) unwrap(data::check_strategy_fits(*spec.conflict, spec), ErrorKind::kData);
  spec.default_value = spec.type_default();
  unwrap(spec.validate(), ErrorKind::kData);
  if (!default_value.is_none()) spec.default_value = value_from_py(spec, default_value);
  unwrap(spec.validate(), ErrorKind::kData);
  return spec;
}

FieldSpec base(std::string name, FieldType type, std::uint8_t count) {
  FieldSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.count = count;
  return spec;
}

void bind_fields(py::module_& m) {
  py::class_<FieldSpec>(m, "DataField",
                        "One typed field of a data component (theta_net.data.Field); build one "
                        "with the static constructors.")
      .def_static(
          "bool",
          [](std::string name, py::object default_value, std::uint8_t count,
             std::optional<std::string> since, std::optional<std::string> conflict) {
            return make_field(base(std::move(name), FieldType::kBool, count), default_value, since,
                              conflict);
          },
          "name"_a, "default"_a = py::none(), "count"_a = 1, "since"_a = py::none(),
          "conflict"_a = py::none())
      .def_static(
          "int",
          [](std::string name, std::int64_t min, std::int64_t max, py::object default_value,
             std::uint8_t count, std::optional<std::string> since,
             std::optional<std::string> conflict) {
            auto spec = base(std::move(name), FieldType::kInt, count);
            spec.min = min;
            spec.max = max;
            return make_field(spec, default_value, since, conflict);
          },
          "name"_a, "min"_a, "max"_a, "default"_a = py::none(), "count"_a = 1,
          "since"_a = py::none(), "conflict"_a = py::none())
      .def_static(
          "enum",
          [](std::string name, std::vector<std::string> values, py::object default_value,
             std::optional<std::string> since, std::optional<std::string> conflict) {
            auto spec = base(std::move(name), FieldType::kEnum, 1);
            spec.enum_values = std::move(values);
            return make_field(spec, default_value, since, conflict);
          },
          "name"_a, "values"_a, "default"_a = py::none(), "since"_a = py::none(),
          "conflict"_a = py::none())
      .def_static(
          "fixed",
          [](std::string name, int frac_bits, double min, double max, py::object default_value,
             std::uint8_t count, std::optional<std::string> since,
             std::optional<std::string> conflict) {
            auto spec = base(std::move(name), FieldType::kFixed, count);
            spec.bits = frac_bits;
            spec.min = unwrap(spec.units_to_code(min), ErrorKind::kData);
            spec.max = unwrap(spec.units_to_code(max), ErrorKind::kData);
            return make_field(spec, default_value, since, conflict);
          },
          "name"_a, "frac_bits"_a, "min"_a, "max"_a, "default"_a = py::none(), "count"_a = 1,
          "since"_a = py::none(), "conflict"_a = py::none())
      .def_static(
          "float",
          [](std::string name, double min, double max, int bits, py::object default_value,
             std::uint8_t count, std::optional<std::string> since,
             std::optional<std::string> conflict) {
            auto spec = base(std::move(name), FieldType::kFloat, count);
            spec.float_min = min;
            spec.float_max = max;
            spec.bits = bits;
            return make_field(spec, default_value, since, conflict);
          },
          "name"_a, "min"_a, "max"_a, "bits"_a, "default"_a = py::none(), "count"_a = 1,
          "since"_a = py::none(), "conflict"_a = py::none())
      .def_static(
          "f64",
          [](std::string name, py::object default_value, std::uint8_t count,
             std::optional<std::string> since, std::optional<std::string> conflict) {
            return make_field(base(std::move(name), FieldType::kF64, count), default_value, since,
                              conflict);
          },
          "name"_a, "default"_a = py::none(), "count"_a = 1, "since"_a = py::none(),
          "conflict"_a = py::none())
      .def_static(
          "string",
          [](std::string name, std::uint32_t max, py::object default_value,
             std::optional<std::string> since, std::optional<std::string> conflict) {
            auto spec = base(std::move(name), FieldType::kString, 1);
            spec.max_bytes = max;
            return make_field(spec, default_value, since, conflict);
          },
          "name"_a, "max"_a, "default"_a = py::none(), "since"_a = py::none(),
          "conflict"_a = py::none())
      .def_static(
          "bytes",
          [](std::string name, std::uint32_t max, py::object default_value,
             std::optional<std::string> since, std::optional<std::string> conflict) {
            auto spec = base(std::move(name), FieldType::kBytes, 1);
            spec.max_bytes = max;
            return make_field(spec, default_value, since, conflict);
          },
          "name"_a, "max"_a, "default"_a = py::none(), "since"_a = py::none(),
          "conflict"_a = py::none())
      .def_property_readonly("name", [](const FieldSpec& f) { return f.name; })
      .def_property_readonly(
          "type", [](const FieldSpec& f) { return std::string(field_type_name(f.type)); })
      .def_property_readonly("count", [](const FieldSpec& f) { return f.count; })
      .def_property_readonly(
          "conflict", [](const FieldSpec& f) { return strategy_text(f.conflict); },
          "Its conflict strategy (\"server\", \"lww\", \"merge:<name>\"), or None: its "
          "table's.")
      .def_property_readonly("default",
                             [](const FieldSpec& f) { return value_to_py(f, f.default_value); })
      .def("__repr__", [](const FieldSpec& f) {
        return str_cat("DataField(", f.name, ": ", field_type_name(f.type),
                       f.count > 1 ? str_cat("[", int(f.count), "]") : "", ")");
      });

  py::class_<data::ComponentSpec>(m, "DataComponent",
                                  "A named group of fields (theta_net.data.Component).")
      .def(py::init([](std::string name, std::vector<FieldSpec> fields) {
             return data::ComponentSpec{std::move(name), std::move(fields), 0};
           }),
           "name"_a, "fields"_a)
      .def_readonly("name", &data::ComponentSpec::name)
      .def_readonly("fields", &data::ComponentSpec::fields)
      .def_readonly("id", &data::ComponentSpec::id);

  py::class_<data::TableSpec>(m, "DataTable",
                              "A table of entities with components (theta_net.data.Table).")
      .def(py::init([](std::string name, std::vector<data::ComponentSpec> components,
                       std::optional<std::vector<std::string>> spatial,
                       std::optional<std::string> conflict) {
             data::TableSpec table{std::move(name), std::move(components), std::nullopt,
                                   strategy_from(conflict)};
             if (spatial) {
               if (spatial->size() != 4) {
                 throw BorderError(ErrorKind::kData,
                                   make_error(ErrorCode::kInvalidArgument,
                                              "spatial is [component, x, y, z] field names"));
               }
               table.spatial =
                   data::SpatialSpec{(*spatial)[0], (*spatial)[1], (*spatial)[2], (*spatial)[3]};
             }
             return table;
           }),
           "name"_a, "components"_a, "spatial"_a = py::none(), "conflict"_a = py::none())
      .def_readonly("name", &data::TableSpec::name)
      .def_readonly("components", &data::TableSpec::components)
      .def_property_readonly(
          "conflict", [](const data::TableSpec& t) { return strategy_text(t.conflict); },
          "The conflict strategy of its fields that declare none; None: \"server\".")
      .def(
          "conflict_strategy",
          [](const data::TableSpec& t, std::string_view component, std::string_view field) {
            std::size_t c = 0, f = 0;
            field_spec(component_spec(t, component, &c), field, &f);
            return t.conflict_strategy(c, f).text();
          },
          "component"_a, "field"_a,
          "The strategy that settles the field: its own, else the table's, else \"server\".");
}

void bind_schema(py::module_& m) {
  py::class_<data::DataSchema, std::shared_ptr<data::DataSchema>>(
      m, "DataSchema", "The tables a game replicates, frozen (theta_net.data.Schema).")
      .def(py::init([](std::string name, const std::string& version,
                       std::vector<data::TableSpec> tables) {
             const auto dot = version.find('.');
             std::uint16_t major = 0, minor = 0;
             try {
               if (dot == std::string::npos) throw std::invalid_argument(version);
               major = static_cast<std::uint16_t>(std::stoul(version.substr(0, dot)));
               minor = static_cast<std::uint16_t>(std::stoul(version.substr(dot + 1)));
             } catch (const std::exception&) {
               throw BorderError(ErrorKind::kData,
                                 make_error(ErrorCode::kInvalidArgument, "version \"", version,
                                            "\" is not MAJOR.MINOR"));
             }
             auto schema =
                 unwrap(data::DataSchema::make(std::move(name), major, minor, std::move(tables)),
                        ErrorKind::kData);
             return std::const_pointer_cast<data::DataSchema>(schema);
           }),
           "name"_a, "version"_a, "tables"_a)
      .def_static(
          "from_toml",
          [](std::string_view text) {
            return std::const_pointer_cast<data::DataSchema>(
                unwrap(data::DataSchema::from_toml(text), ErrorKind::kData));
          },
          "text"_a, "Parses schema TOML (docs/data.md).")
      .def("to_toml", &data::DataSchema::to_toml, "The canonical TOML (what a full sync sends).")
      .def_property_readonly("name", &data::DataSchema::name)
      .def_property_readonly(
          "version", [](const data::DataSchema& s) { return str_cat(s.major(), ".", s.minor()); })
      .def_property_readonly("hash", &data::DataSchema::hash)
      .def_property_readonly("hashes", &data::DataSchema::hashes)
      .def_property_readonly("tables", &data::DataSchema::tables)
      .def("compatible_with", &data::DataSchema::compatible_with, "peer_hashes"_a)
      .def("__eq__", [](const data::DataSchema& a, const data::DataSchema& b) { return a == b; });
}

void bind_transaction(py::module_& m) {
  py::class_<data::Transaction>(m, "DataTransaction",
                                "Writes to commit whole (theta_net.data.Transaction).")
      .def(py::init([](std::shared_ptr<data::DataSchema> schema) {
             return data::Transaction(std::move(schema));
           }),
           "schema"_a)
      .def(
          "set",
          [](data::Transaction& tx, std::string_view table, std::uint64_t entity,
             std::string_view component, std::string_view field, const py::handle& value) {
            const auto& t = table_spec(tx.schema(), table);
            const auto& f = field_spec(component_spec(t, component), field);
            unwrap(tx.set(table, entity, component, field, value_from_py(f, value)),
                   ErrorKind::kData);
          },
          "table"_a, "entity"_a, "component"_a, "field"_a, "value"_a)
      .def(
          "update",
          [](data::Transaction& tx, std::string_view table, std::uint64_t entity,
             const py::dict& values) {
            const auto& t = table_spec(tx.schema(), table);
            for (auto [component, fields] : values) {
              const auto cname = component.cast<std::string>();
              const auto& c = component_spec(t, cname);
              if (py::len(fields) == 0) {
                unwrap(tx.add_component(table, entity, cname), ErrorKind::kData);
              }
              for (auto [field, value] : fields.cast<py::dict>()) {
                const auto fname = field.cast<std::string>();
                unwrap(
                    tx.set(table, entity, cname, fname, value_from_py(field_spec(c, fname), value)),
                    ErrorKind::kData);
              }
            }
          },
          "table"_a, "entity"_a, "values"_a,
          "Sets {component: {field: value}}; an empty field dict adds the component at its "
          "defaults.")
      .def(
          "remove_component",
          [](data::Transaction& tx, std::string_view table, std::uint64_t entity,
             std::string_view component) {
            unwrap(tx.remove_component(table, entity, component), ErrorKind::kData);
          },
          "table"_a, "entity"_a, "component"_a)
      .def(
          "remove_entity",
          [](data::Transaction& tx, std::string_view table, std::uint64_t entity) {
            unwrap(tx.remove_entity(table, entity), ErrorKind::kData);
          },
          "table"_a, "entity"_a)
      .def("clear", &data::Transaction::clear)
      .def("__len__", [](const data::Transaction& tx) { return tx.ops().size(); });
}

}  // namespace

void bind_data_schema(py::module_& m) {
  bind_fields(m);
  bind_schema(m);
  bind_transaction(m);
}

}  // namespace theta_net::bindings
