// DataSchema::from_toml: schema TOML parsed with toml++ (a border: the text comes from a file or
// the wire). toml++ reports syntax errors by exception; they are caught here and become kCorrupt
// errors with line and column, so nothing escapes into the core. The writer is
// schema_toml_writer.cpp.
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <set>

#include "theta_net/data/data_schema.hpp"

namespace theta_net::data {
namespace {

// "line 12, column 5" of a node (or of the document when toml++ knows no position).
std::string where(const toml::node& node) {
  const auto& begin = node.source().begin;
  return str_cat("line ", begin.line, ", column ", begin.column);
}

template <class... Parts>
Error invalid_at(const toml::node& node, const Parts&... parts) {
  return make_error(ErrorCode::kInvalidArgument, where(node), ": ", parts...);
}

// Refuses any key outside `allowed`, naming it, where it is and what is allowed.
Status only_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                 std::string_view context) {
  for (const auto& [key, node] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    std::string expected;
    for (std::string_view name : allowed)
      expected += (expected.empty() ? "" : ", ") + std::string(name);
    const auto& begin = key.source().begin;
    return make_error(ErrorCode::kInvalidArgument, "line ", begin.line, ", column ", begin.column,
                      ": unknown key '", key.str(), "' in ", context, " (expected ", expected, ")");
  }
  return {};
}

Result<const toml::node*> required(const toml::table& table, std::string_view key,
                                   std::string_view context) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return invalid_at(table, context, " lacks the key '", key, "'");
  return node;
}

Result<std::string> as_string(const toml::node& node, std::string_view what) {
  if (!node.is_string()) return invalid_at(node, what, " must be a string");
  return node.as_string()->get();
}

Result<std::int64_t> as_integer(const toml::node& node, std::string_view what) {
  if (!node.is_integer()) return invalid_at(node, what, " must be an integer");
  return node.as_integer()->get();
}

// A decimal number: TOML integers and floats both count.
Result<double> as_number(const toml::node& node, std::string_view what) {
  if (node.is_integer()) return static_cast<double>(node.as_integer()->get());
  if (node.is_floating_point()) return node.as_floating_point()->get();
  return invalid_at(node, what, " must be a number");
}

Result<std::int64_t> as_integer_in(const toml::node& node, std::string_view what, std::int64_t lo,
                                   std::int64_t hi) {
  THETA_TRY_ASSIGN(std::int64_t value, as_integer(node, what));
  if (value < lo || value > hi) {
    return invalid_at(node, what, " ", value, " is outside ", lo, "..", hi);
  }
  return value;
}

// "MAJOR.MINOR", both decimal u16 without leading zeros.
std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_version(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view digits) -> std::optional<std::uint16_t> {
    if (digits.empty() || digits.size() > 5 || (digits.size() > 1 && digits[0] == '0')) {
      return std::nullopt;
    }
    std::uint32_t value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
  };
  auto major = number(text.substr(0, dot));
  auto minor = number(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return std::pair{*major, *minor};
}

// A `conflict` key: "server", "lww" or "merge:<name>"; `owner` names what declares it.
Result<ConflictStrategy> parse_strategy(const toml::node& node, std::string_view owner) {
  THETA_TRY_ASSIGN(std::string text, as_string(node, str_cat(owner, ": conflict")));
  auto strategy = parse_conflict_strategy(text);
  if (!strategy.ok()) return invalid_at(node, owner, ": ", strategy.error().message);
  return std::move(strategy).value();
}

// One element of a default in the field's stored representation.
Result<Value> parse_default_element(const FieldSpec& field, const toml::node& node) {
  const std::string what = "default of field '" + field.name + "'";
  switch (field.type) {
    case FieldType::kBool:
      if (!node.is_boolean()) return invalid_at(node, what, " must be true or false");
      return Value(std::int64_t{node.as_boolean()->get() ? 1 : 0});
    case FieldType::kInt: {
      THETA_TRY_ASSIGN(std::int64_t value, as_integer_in(node, what, field.min, field.max));
      return Value(value);
    }
    case FieldType::kEnum: {
      THETA_TRY_ASSIGN(std::string name, as_string(node, what));
      auto it = std::find(field.enum_values.begin(), field.enum_values.end(), name);
      if (it == field.enum_values.end()) {
        return invalid_at(node, what, ": '", name, "' is not one of its values");
      }
      return Value(static_cast<std::int64_t>(it - field.enum_values.begin()));
    }
    case FieldType::kFixed:
    case FieldType::kFloat: {
      // The nearest code must be in range (so a bound written back from its code, a hair
      // outside the range after rounding, still reads as that code).
      THETA_TRY_ASSIGN(double units, as_number(node, what));
      const bool fixed = field.type == FieldType::kFixed;
      const double lo = fixed ? field.code_to_units(field.min) : field.float_min;
      const double hi = fixed ? field.code_to_units(field.max) : field.float_max;
      auto code = field.units_to_code(units);
      const std::int64_t max_code = fixed ? field.max : (std::int64_t{1} << field.bits) - 1;
      if (!code.ok() || *code < (fixed ? field.min : 0) || *code > max_code) {
        return invalid_at(node, what, " ", units, " is outside ", lo, "..", hi);
      }
      return Value(*code);
    }
    case FieldType::kF64: {
      THETA_TRY_ASSIGN(double value, as_number(node, what));
      return Value(value);
    }
    case FieldType::kString: {
      THETA_TRY_ASSIGN(std::string text, as_string(node, what));
      return Value(std::move(text));
    }
    case FieldType::kBytes: {
      if (node.is_string()) return Value(node.as_string()->get());
      // Bytes that are not UTF-8 cannot be a TOML string: they are a list of byte values.
      const toml::array* list = node.as_array();
      if (list == nullptr) return invalid_at(node, what, " must be a string or a list of bytes");
      if (list->size() > field.max_bytes) {
        return invalid_at(node, what, " has ", list->size(), " bytes, over its max of ",
                          field.max_bytes);
      }
      std::string bytes;
      for (const toml::node& byte : *list) {
        THETA_TRY_ASSIGN(std::int64_t value, as_integer_in(byte, what, 0, 255));
        bytes.push_back(static_cast<char>(value));
      }
      return Value(std::move(bytes));
    }
  }
  return invalid_at(node, what, ": unknown field type");
}

Result<Value> parse_default(const FieldSpec& field, const toml::node& node) {
  if (field.count == 1) return parse_default_element(field, node);
  const toml::array* list = node.as_array();
  if (list == nullptr || list->size() != field.count) {
    return invalid_at(node, "default of field '", field.name, "' must be a list of ",
                      int{field.count}, " values");
  }
  std::vector<std::int64_t> codes;
  std::vector<double> reals;
  for (const toml::node& element : *list) {
    THETA_TRY_ASSIGN(Value value, parse_default_element(field, element));
    if (auto* code = std::get_if<std::int64_t>(&value)) codes.push_back(*code);
    if (auto* real = std::get_if<double>(&value)) reals.push_back(*real);
  }
  if (field.type == FieldType::kF64) return Value(std::move(reals));
  return Value(std::move(codes));
}

Result<FieldSpec> parse_field(const toml::node& node, std::string_view context,
                              std::uint16_t major) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return invalid_at(node, "a field of ", context, " must be a table");
  FieldSpec field;
  THETA_TRY_ASSIGN(const toml::node* name,
                   required(*table, "name", str_cat("a field of ", context)));
  THETA_TRY_ASSIGN(field.name, as_string(*name, "a field's name"));
  const std::string self = str_cat("field '", field.name, "' of ", context);
  THETA_TRY_ASSIGN(const toml::node* type_node, required(*table, "type", self));
  THETA_TRY_ASSIGN(std::string type_name, as_string(*type_node, "type"));
  auto type = parse_field_type(type_name);
  if (!type.ok()) return invalid_at(*type_node, self, ": ", type.error().message);
  field.type = *type;

  switch (field.type) {
    case FieldType::kInt:
      THETA_TRY(only_keys(
          *table, {"name", "type", "min", "max", "count", "default", "since", "doc", "conflict"},
          self));
      field.min = INT64_MIN;
      field.max = INT64_MAX;
      if (const auto* min = table->get("min")) {
        THETA_TRY_ASSIGN(field.min, as_integer(*min, "min"));
      }
      if (const auto* max = table->get("max")) {
        THETA_TRY_ASSIGN(field.max, as_integer(*max, "max"));
      }
      break;
    case FieldType::kFixed: {
      THETA_TRY(only_keys(*table,
                          {"name", "type", "min", "max", "frac_bits", "count", "default", "since",
                           "doc", "conflict"},
                          self));
      THETA_TRY_ASSIGN(const toml::node* frac, required(*table, "frac_bits", self));
      THETA_TRY_ASSIGN(std::int64_t bits, as_integer_in(*frac, "frac_bits", 0, 30));
      field.bits = static_cast<int>(bits);
      for (auto [key, target] : {std::pair{"min", &field.min}, std::pair{"max", &field.max}}) {
        THETA_TRY_ASSIGN(const toml::node* bound, required(*table, key, self));
        THETA_TRY_ASSIGN(double units, as_number(*bound, key));
        auto steps = field.units_to_code(units);
        if (!steps.ok()) return invalid_at(*bound, self, ": ", key, " ", units, " is too large");
        *target = *steps;
      }
      break;
    }
    case FieldType::kFloat: {
      THETA_TRY(only_keys(
          *table,
          {"name", "type", "min", "max", "bits", "count", "default", "since", "doc", "conflict"},
          self));
      THETA_TRY_ASSIGN(const toml::node* bits, required(*table, "bits", self));
      THETA_TRY_ASSIGN(std::int64_t code_bits, as_integer_in(*bits, "bits", 1, 32));
      field.bits = static_cast<int>(code_bits);
      THETA_TRY_ASSIGN(const toml::node* min, required(*table, "min", self));
      THETA_TRY_ASSIGN(field.float_min, as_number(*min, "min"));
      THETA_TRY_ASSIGN(const toml::node* max, required(*table, "max", self));
      THETA_TRY_ASSIGN(field.float_max, as_number(*max, "max"));
      break;
    }
    case FieldType::kEnum: {
      THETA_TRY(only_keys(
          *table, {"name", "type", "values", "count", "default", "since", "doc", "conflict"},
          self));
      THETA_TRY_ASSIGN(const toml::node* values, required(*table, "values", self));
      const toml::array* list = values->as_array();
      if (list == nullptr) return invalid_at(*values, self, ": values must be a list of names");
      if (list->size() > kMaxEnumValues) {
        return invalid_at(*values, self, ": ", list->size(), " values is over the limit of ",
                          kMaxEnumValues);
      }
      for (const toml::node& value : *list) {
        THETA_TRY_ASSIGN(std::string name_value, as_string(value, "an enum value"));
        field.enum_values.push_back(std::move(name_value));
      }
      break;
    }
    case FieldType::kString:
    case FieldType::kBytes: {
      THETA_TRY(
          only_keys(*table, {"name", "type", "max", "default", "since", "doc", "conflict"}, self));
      THETA_TRY_ASSIGN(const toml::node* max, required(*table, "max", self));
      THETA_TRY_ASSIGN(std::int64_t bound, as_integer_in(*max, "max", 1, kMaxTextBytes));
      field.max_bytes = static_cast<std::uint32_t>(bound);
      break;
    }
    case FieldType::kBool:
    case FieldType::kF64:
      THETA_TRY(only_keys(*table, {"name", "type", "count", "default", "since", "doc", "conflict"},
                          self));
      break;
  }
  if (const auto* count = table->get("count")) {
    THETA_TRY_ASSIGN(std::int64_t n, as_integer_in(*count, "count", 1, kMaxArrayCount));
    field.count = static_cast<std::uint8_t>(n);
  }
  if (const auto* since = table->get("since")) {
    THETA_TRY_ASSIGN(std::string text, as_string(*since, "since"));
    auto version = parse_version(text);
    if (!version || version->first != major) {
      return invalid_at(*since, self, ": since '", text, "' must be \"", major, ".MINOR\"");
    }
    field.since_minor = version->second;
  }
  if (const auto* doc = table->get("doc")) {
    THETA_TRY_ASSIGN(field.doc, as_string(*doc, "doc"));
  }
  if (const auto* conflict = table->get("conflict")) {
    THETA_TRY_ASSIGN(field.conflict, parse_strategy(*conflict, str_cat(context, ".", field.name)));
  }
  // The type's parameters first: the default is read in their units.
  field.default_value = field.type_default();
  auto params = field.validate();
  if (!params.ok()) return invalid_at(*table, context, ": ", params.error().message);
  if (const auto* value = table->get("default")) {
    THETA_TRY_ASSIGN(field.default_value, parse_default(field, *value));
  }
  auto valid = field.validate();
  if (!valid.ok()) return invalid_at(*table, context, ": ", valid.error().message);
  return field;
}

Result<ComponentSpec> parse_component(const toml::node& node, std::string_view table_name,
                                      std::uint16_t major) {
  const toml::table* table = node.as_table();
  const std::string context = str_cat("a component of table '", table_name, "'");
  if (table == nullptr) return invalid_at(node, context, " must be a table");
  THETA_TRY(only_keys(*table, {"name", "fields"}, context));
  ComponentSpec component;
  THETA_TRY_ASSIGN(const toml::node* name, required(*table, "name", context));
  THETA_TRY_ASSIGN(component.name, as_string(*name, "a component's name"));
  const std::string self = str_cat(table_name, ".", component.name);
  if (const auto* fields = table->get("fields")) {
    const toml::array* list = fields->as_array();
    if (list == nullptr) return invalid_at(*fields, self, ": fields must be a list of tables");
    if (list->size() > kMaxFieldsPerComponent) {
      return make_error(ErrorCode::kLimitExceeded, where(*fields), ": ", self, " has ",
                        list->size(), " fields, over the limit of ", kMaxFieldsPerComponent);
    }
    std::set<std::string> names;
    for (const toml::node& field_node : *list) {
      THETA_TRY_ASSIGN(FieldSpec field, parse_field(field_node, self, major));
      if (!names.insert(field.name).second) {
        return invalid_at(field_node, self, ": field '", field.name, "' is declared twice");
      }
      component.fields.push_back(std::move(field));
    }
  }
  return component;
}

Result<TableSpec> parse_table(const toml::node& node, std::uint16_t major) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return invalid_at(node, "[[table]] must be a table");
  THETA_TRY(only_keys(*table, {"name", "spatial", "conflict", "component"}, "[[table]]"));
  TableSpec spec;
  THETA_TRY_ASSIGN(const toml::node* name, required(*table, "name", "[[table]]"));
  THETA_TRY_ASSIGN(spec.name, as_string(*name, "a table's name"));
  const std::string self = str_cat("table '", spec.name, "'");
  if (const auto* spatial_node = table->get("spatial")) {
    const toml::table* spatial = spatial_node->as_table();
    if (spatial == nullptr) return invalid_at(*spatial_node, self, ": spatial must be a table");
    THETA_TRY(only_keys(*spatial, {"component", "x", "y", "z"}, str_cat("spatial of ", self)));
    SpatialSpec parsed;
    THETA_TRY_ASSIGN(const toml::node* component, required(*spatial, "component", "spatial"));
    THETA_TRY_ASSIGN(parsed.component, as_string(*component, "spatial component"));
    for (auto [key, target] :
         {std::pair{"x", &parsed.x}, std::pair{"y", &parsed.y}, std::pair{"z", &parsed.z}}) {
      if (const auto* axis = spatial->get(key)) {
        THETA_TRY_ASSIGN(*target, as_string(*axis, key));
      }
    }
    spec.spatial = std::move(parsed);
  }
  if (const auto* conflict = table->get("conflict")) {
    THETA_TRY_ASSIGN(spec.conflict, parse_strategy(*conflict, self));
  }
  if (const auto* components = table->get("component")) {
    const toml::array* list = components->as_array();
    if (list == nullptr) {
      return invalid_at(*components, self, ": component must be [[table.component]] entries");
    }
    if (list->size() > kMaxComponentsPerTable) {
      return make_error(ErrorCode::kLimitExceeded, where(*components), ": ", self, " has ",
                        list->size(), " components, over the limit of ", kMaxComponentsPerTable);
    }
    for (const toml::node& component : *list) {
      THETA_TRY_ASSIGN(ComponentSpec parsed, parse_component(component, spec.name, major));
      spec.components.push_back(std::move(parsed));
    }
  }
  return spec;
}

Result<std::shared_ptr<const DataSchema>> parse_document(const toml::table& root) {
  THETA_TRY(only_keys(root, {"schema", "table"}, "the document"));
  const toml::node* schema_node = root.get("schema");
  if (schema_node == nullptr || !schema_node->is_table()) {
    return invalid_at(root, "the document needs a [schema] table with name and version");
  }
  const toml::table& schema = *schema_node->as_table();
  THETA_TRY(only_keys(schema, {"name", "version"}, "[schema]"));
  THETA_TRY_ASSIGN(const toml::node* name_node, required(schema, "name", "[schema]"));
  THETA_TRY_ASSIGN(std::string name, as_string(*name_node, "the schema's name"));
  THETA_TRY_ASSIGN(const toml::node* version_node, required(schema, "version", "[schema]"));
  THETA_TRY_ASSIGN(std::string version_text, as_string(*version_node, "version"));
  auto version = parse_version(version_text);
  if (!version) {
    return invalid_at(*version_node, "version '", version_text,
                      "' must be \"MAJOR.MINOR\" (decimal numbers up to 65535)");
  }
  std::vector<TableSpec> tables;
  if (const auto* tables_node = root.get("table")) {
    const toml::array* list = tables_node->as_array();
    if (list == nullptr) return invalid_at(*tables_node, "table must be [[table]] entries");
    if (list->size() > kMaxTables) {
      return make_error(ErrorCode::kLimitExceeded, where(*tables_node), ": ", list->size(),
                        " tables is over the limit of ", kMaxTables);
    }
    for (const toml::node& table : *list) {
      THETA_TRY_ASSIGN(TableSpec parsed, parse_table(table, version->first));
      tables.push_back(std::move(parsed));
    }
  }
  return DataSchema::make(std::move(name), version->first, version->second, std::move(tables));
}

}  // namespace

Result<std::shared_ptr<const DataSchema>> DataSchema::from_toml(std::string_view text) {
  if (text.size() > kMaxSchemaTextBytes) {
    return make_error(ErrorCode::kLimitExceeded, "schema text of ", text.size(),
                      " bytes is over the limit of ", kMaxSchemaTextBytes);
  }
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    return make_error(ErrorCode::kCorrupt, "line ", begin.line, ", column ", begin.column, ": ",
                      error.description());
  }
  return parse_document(root);
}

}  // namespace theta_net::data
