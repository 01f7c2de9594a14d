// DataSchema: validation, identity (component ids, the per-minor schema hashes) and lookups. The
// TOML form is in schema_toml.cpp.
#include "theta_net/data/data_schema.hpp"

#include <algorithm>
#include <bit>
#include <set>

#include "theta_net/core/siphash.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::data {
namespace {

void write_text(ByteWriter& out, std::string_view text) {
  write_varint(out, text.size());
  out.bytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// Every parameter that changes what a field means or how it travels; not its doc.
void write_field(ByteWriter& out, const FieldSpec& field) {
  write_text(out, field.name);
  out.u8(static_cast<std::uint8_t>(field.type));
  write_svarint(out, field.min);
  write_svarint(out, field.max);
  write_svarint(out, field.bits);
  out.u64le(std::bit_cast<std::uint64_t>(field.float_min));
  out.u64le(std::bit_cast<std::uint64_t>(field.float_max));
  write_varint(out, field.enum_values.size());
  for (const auto& value : field.enum_values) write_text(out, value);
  write_varint(out, field.max_bytes);
  out.u8(field.count);
  write_varint(out, field.since_minor);
  field.encode(field.default_value, out);
}

void write_strategy(ByteWriter& out, const std::optional<ConflictStrategy>& strategy) {
  out.u8(strategy ? 1 : 0);
  if (strategy) write_text(out, strategy->text());
}

// The conflict strategies a peer at `minor` knows of, after the rest of the schema (whose bytes
// are self-delimiting, so a suffix cannot be mistaken for anything else). A schema that declares
// none at that minor has no suffix: its hash is what it was before strategies existed, and a
// field added later with a strategy leaves the hashes of earlier minors unchanged.
void write_strategies(ByteWriter& out, const std::vector<TableSpec>& tables, std::uint16_t minor) {
  bool any = false;
  for (const auto& table : tables) {
    any = any || table.conflict.has_value();
    for (const auto& component : table.components) {
      for (const auto& field : component.fields) {
        any = any || (field.since_minor <= minor && field.conflict.has_value());
      }
    }
  }
  if (!any) return;
  write_text(out, "conflict");
  for (const auto& table : tables) {
    write_strategy(out, table.conflict);
    for (const auto& component : table.components) {
      for (const auto& field : component.fields) {
        if (field.since_minor <= minor) write_strategy(out, field.conflict);
      }
    }
  }
}

// The canonical bytes of the schema as a peer at `minor` knows it: fields added later are left
// out, so an appended optional field leaves the hashes of earlier minors unchanged.
Bytes canonical_bytes_at(const std::string& name, std::uint16_t major,
                         const std::vector<TableSpec>& tables, std::uint16_t minor) {
  Bytes bytes;
  ByteWriter out(bytes);
  write_text(out, "theta_net.data.schema");
  write_text(out, name);
  write_varint(out, major);
  write_varint(out, tables.size());
  for (const auto& table : tables) {
    write_text(out, table.name);
    out.u8(table.spatial ? 1 : 0);
    if (table.spatial) {
      write_text(out, table.spatial->component);
      write_text(out, table.spatial->x);
      write_text(out, table.spatial->y);
      write_text(out, table.spatial->z);
    }
    write_varint(out, table.components.size());
    for (const auto& component : table.components) {
      write_text(out, component.name);
      const auto known = std::count_if(component.fields.begin(), component.fields.end(),
                                       [&](const FieldSpec& f) { return f.since_minor <= minor; });
      write_varint(out, static_cast<std::uint64_t>(known));
      for (const auto& field : component.fields) {
        if (field.since_minor <= minor) write_field(out, field);
      }
    }
  }
  write_strategies(out, tables, minor);
  return bytes;
}

Status check_name(std::string_view what, std::string_view name) {
  if (is_valid_name(name)) return {};
  return make_error(ErrorCode::kInvalidArgument, what, " name '", name, "' must be 1..",
                    kMaxNameBytes, " characters of [A-Za-z0-9_], not starting with a digit");
}

Status check_spatial(const TableSpec& table) {
  const SpatialSpec& spatial = *table.spatial;
  const int c = table.component_index(spatial.component);
  if (c < 0) {
    return make_error(ErrorCode::kInvalidArgument, "table '", table.name, "': spatial component '",
                      spatial.component, "' is not one of its components");
  }
  const ComponentSpec& component = table.components[static_cast<std::size_t>(c)];
  for (const std::string* axis : {&spatial.x, &spatial.y, &spatial.z}) {
    const int f = component.field_index(*axis);
    if (f < 0) {
      return make_error(ErrorCode::kInvalidArgument, "table '", table.name, "': spatial field '",
                        *axis, "' is not a field of ", component.name);
    }
    const FieldSpec& field = component.fields[static_cast<std::size_t>(f)];
    const bool numeric = field.type == FieldType::kInt || field.type == FieldType::kFixed ||
                         field.type == FieldType::kFloat;
    if (!numeric || field.count != 1 || field.since_minor != 0) {
      return make_error(ErrorCode::kInvalidArgument, "table '", table.name, "': spatial field ",
                        component.name, ".", field.name,
                        " must be a single int, fixed or float present since 1.0");
    }
  }
  return {};
}

Status check_component(const TableSpec& table, const ComponentSpec& component,
                       std::uint16_t minor) {
  if (component.fields.size() > kMaxFieldsPerComponent) {
    return make_error(ErrorCode::kLimitExceeded, table.name, ".", component.name, ": ",
                      component.fields.size(), " fields is over the limit of ",
                      kMaxFieldsPerComponent);
  }
  std::set<std::string_view> names;
  std::uint16_t since = 0;
  for (const auto& field : component.fields) {
    auto valid = field.validate();
    if (!valid.ok()) {
      return make_error(ErrorCode::kInvalidArgument, table.name, ".", component.name, ": ",
                        valid.error().message);
    }
    if (!names.insert(field.name).second) {
      return make_error(ErrorCode::kInvalidArgument, table.name, ".", component.name, ": field '",
                        field.name, "' is declared twice");
    }
    if (field.since_minor > minor) {
      return make_error(ErrorCode::kInvalidArgument, table.name, ".", component.name, ".",
                        field.name, ": since 1.", field.since_minor,
                        " is above the schema's minor ", minor);
    }
    if (field.since_minor < since) {
      return make_error(ErrorCode::kInvalidArgument, table.name, ".", component.name, ".",
                        field.name, ": since minor ", field.since_minor,
                        " comes after a field added in minor ", since,
                        " (fields are appended in the order of their minors)");
    }
    since = field.since_minor;
  }
  return {};
}

// A table's strategy and every field's own are well formed, and each field's effective one fits it.
Status check_strategies(const TableSpec& table) {
  if (table.conflict) {
    if (auto valid = validate_conflict_strategy(*table.conflict); !valid.ok()) {
      return make_error(ErrorCode::kInvalidArgument, "table '", table.name,
                        "': ", valid.error().message);
    }
  }
  for (std::size_t c = 0; c < table.components.size(); ++c) {
    const ComponentSpec& component = table.components[c];
    for (std::size_t f = 0; f < component.fields.size(); ++f) {
      const FieldSpec& field = component.fields[f];
      Status valid = field.conflict ? validate_conflict_strategy(*field.conflict) : Status{};
      if (valid.ok()) valid = check_strategy_fits(table.conflict_strategy(c, f), field);
      if (!valid.ok()) {
        return make_error(ErrorCode::kInvalidArgument, table.name, ".", component.name, ".",
                          field.name, ": ", valid.error().message,
                          field.conflict ? "" : " (the table's strategy)");
      }
    }
  }
  return {};
}

}  // namespace

int ComponentSpec::field_index(std::string_view field) const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

int TableSpec::component_index(std::string_view component) const {
  for (std::size_t i = 0; i < components.size(); ++i) {
    if (components[i].name == component) return static_cast<int>(i);
  }
  return -1;
}

const ConflictStrategy& TableSpec::conflict_strategy(std::size_t component,
                                                     std::size_t field) const {
  static const ConflictStrategy kDefault = ConflictStrategy::server();
  const FieldSpec& spec = components[component].fields[field];
  if (spec.conflict) return *spec.conflict;
  return conflict ? *conflict : kDefault;
}

int DataSchema::table_index(std::string_view table) const {
  for (std::size_t i = 0; i < tables_.size(); ++i) {
    if (tables_[i].name == table) return static_cast<int>(i);
  }
  return -1;
}

Result<std::shared_ptr<const DataSchema>> DataSchema::make(std::string name, std::uint16_t major,
                                                           std::uint16_t minor,
                                                           std::vector<TableSpec> tables) {
  THETA_TRY(check_name("schema", name));
  if (tables.size() > kMaxTables) {
    return make_error(ErrorCode::kLimitExceeded, "schema '", name, "': ", tables.size(),
                      " tables is over the limit of ", kMaxTables);
  }
  std::set<std::string_view> table_names;
  for (auto& table : tables) {
    THETA_TRY(check_name("table", table.name));
    if (!table_names.insert(table.name).second) {
      return make_error(ErrorCode::kInvalidArgument, "table '", table.name, "' is declared twice");
    }
    if (table.components.size() > kMaxComponentsPerTable) {
      return make_error(ErrorCode::kLimitExceeded, "table '", table.name,
                        "': ", table.components.size(), " components is over the limit of ",
                        kMaxComponentsPerTable);
    }
    std::set<std::string_view> component_names;
    for (auto& component : table.components) {
      auto named = check_name("component", component.name);
      if (!named.ok()) {
        return make_error(ErrorCode::kInvalidArgument, "table '", table.name,
                          "': ", named.error().message);
      }
      if (!component_names.insert(component.name).second) {
        return make_error(ErrorCode::kInvalidArgument, "table '", table.name, "': component '",
                          component.name, "' is declared twice");
      }
      THETA_TRY(check_component(table, component, minor));
      component.id = siphash24(SipKey{0, 0}, table.name + "." + component.name);
    }
    if (table.spatial) THETA_TRY(check_spatial(table));
    THETA_TRY(check_strategies(table));
  }

  auto schema = std::make_shared<DataSchema>();
  schema->name_ = std::move(name);
  schema->major_ = major;
  schema->minor_ = minor;
  schema->tables_ = std::move(tables);
  // The hash only changes at a minor that added fields; the others repeat the one before.
  std::set<std::uint16_t> changing{0};
  for (const auto& table : schema->tables_) {
    for (const auto& component : table.components) {
      for (const auto& field : component.fields) changing.insert(field.since_minor);
    }
  }
  schema->hashes_.reserve(std::size_t{minor} + 1);
  for (std::uint32_t m = 0; m <= minor; ++m) {
    if (changing.count(static_cast<std::uint16_t>(m)) != 0) {
      const Bytes bytes =
          canonical_bytes_at(schema->name_, major, schema->tables_, static_cast<std::uint16_t>(m));
      schema->hashes_.push_back(siphash24(SipKey{0, 0}, bytes));
    } else {
      schema->hashes_.push_back(schema->hashes_.back());
    }
  }
  return std::shared_ptr<const DataSchema>(std::move(schema));
}

bool DataSchema::compatible_with(const std::vector<std::uint64_t>& peer_hashes) const {
  if (peer_hashes.empty()) return false;
  const std::size_t common = std::min(peer_hashes.size(), hashes_.size()) - 1;
  return peer_hashes[common] == hashes_[common];
}

bool DataSchema::operator==(const DataSchema& other) const {
  return name_ == other.name_ && major_ == other.major_ && minor_ == other.minor_ &&
         tables_ == other.tables_;
}

}  // namespace theta_net::data
