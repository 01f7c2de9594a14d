#include "theta_net/data/transaction.hpp"

namespace theta_net::data {
namespace {

template <class Items, class Name>
std::string list_names(const Items& items, Name name) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + name(item);
  return out.empty() ? "none" : out;
}

}  // namespace

Transaction::Transaction(std::shared_ptr<const DataSchema> schema) : schema_(std::move(schema)) {}

Transaction::EntityWrites& Transaction::entity_for(std::uint16_t table, EntityId entity) {
  ops_stale_ = true;
  auto [it, inserted] = index_.try_emplace({table, entity}, entities_.size());
  if (inserted) {
    EntityWrites writes;
    writes.table = table;
    writes.entity = entity;
    entities_.push_back(std::move(writes));
  }
  return entities_[it->second];
}

Result<std::uint16_t> Transaction::table_named(std::string_view table) const {
  const int index = schema_->table_index(table);
  if (index < 0) {
    return make_error(ErrorCode::kInvalidArgument, "no table '", table, "' (tables: ",
                      list_names(schema_->tables(), [](const TableSpec& t) { return t.name; }),
                      ")");
  }
  return static_cast<std::uint16_t>(index);
}

Result<std::uint16_t> Transaction::component_named(std::uint16_t table,
                                                   std::string_view component) const {
  const TableSpec& spec = schema_->table(table);
  const int index = spec.component_index(component);
  if (index < 0) {
    return make_error(ErrorCode::kInvalidArgument, "table '", spec.name, "' has no component '",
                      component, "' (components: ",
                      list_names(spec.components, [](const ComponentSpec& c) { return c.name; }),
                      ")");
  }
  return static_cast<std::uint16_t>(index);
}

Status Transaction::set(std::string_view table, EntityId entity, std::string_view component,
                        std::string_view field, Value value) {
  THETA_TRY_ASSIGN(std::uint16_t t, table_named(table));
  THETA_TRY_ASSIGN(std::uint16_t c, component_named(t, component));
  const ComponentSpec& spec = schema_->table(t).components[c];
  const int f = spec.field_index(field);
  if (f < 0) {
    return make_error(
        ErrorCode::kInvalidArgument, table, ".", component, " has no field '", field,
        "' (fields: ", list_names(spec.fields, [](const FieldSpec& x) { return x.name; }), ")");
  }
  return set(t, entity, c, static_cast<std::uint16_t>(f), std::move(value));
}

Status Transaction::set(std::uint16_t table, EntityId entity, std::uint16_t component,
                        std::uint16_t field, Value value) {
  if (table >= schema_->tables().size()) {
    return make_error(ErrorCode::kOutOfRange, "table ", table, " is past the schema's ",
                      schema_->tables().size());
  }
  const TableSpec& table_spec = schema_->table(table);
  if (component >= table_spec.components.size()) {
    return make_error(ErrorCode::kOutOfRange, table_spec.name, ": component ", component,
                      " is past the table's ", table_spec.components.size());
  }
  const ComponentSpec& spec = table_spec.components[component];
  if (field >= spec.fields.size()) {
    return make_error(ErrorCode::kOutOfRange, table_spec.name, ".", spec.name, ": field ", field,
                      " is past the component's ", spec.fields.size());
  }
  auto valid = spec.fields[field].check(value);
  if (!valid.ok()) {
    return make_error(valid.error().code, table_spec.name, ".", spec.name, ": ",
                      valid.error().message);
  }
  EntityWrites& writes = entity_for(table, entity);
  writes.upsert = true;
  writes.writes[component][field] = std::move(value);
  return {};
}

Status Transaction::add_component(std::string_view table, EntityId entity,
                                  std::string_view component) {
  THETA_TRY_ASSIGN(std::uint16_t t, table_named(table));
  THETA_TRY_ASSIGN(std::uint16_t c, component_named(t, component));
  EntityWrites& writes = entity_for(t, entity);
  writes.upsert = true;
  writes.writes[c];  // present, with the fields written so far (if any)
  return {};
}

Status Transaction::remove_component(std::string_view table, EntityId entity,
                                     std::string_view component) {
  THETA_TRY_ASSIGN(std::uint16_t t, table_named(table));
  THETA_TRY_ASSIGN(std::uint16_t c, component_named(t, component));
  EntityWrites& writes = entity_for(t, entity);
  writes.writes.erase(c);
  if (!writes.remove_entity) writes.removed |= std::uint64_t{1} << c;
  return {};
}

Status Transaction::remove_entity(std::string_view table, EntityId entity) {
  THETA_TRY_ASSIGN(std::uint16_t t, table_named(table));
  EntityWrites& writes = entity_for(t, entity);
  writes.remove_entity = true;
  writes.removed = 0;
  writes.upsert = false;
  writes.writes.clear();
  return {};
}

const std::vector<Op>& Transaction::ops() const {
  if (!ops_stale_) return ops_;
  ops_.clear();
  for (const EntityWrites& writes : entities_) {
    if (writes.remove_entity || writes.removed != 0) {
      Op removal;
      removal.table = writes.table;
      removal.entity = writes.entity;
      removal.kind = writes.remove_entity ? OpKind::kRemoveEntity : OpKind::kRemoveComponents;
      removal.components = writes.remove_entity ? 0 : writes.removed;
      ops_.push_back(std::move(removal));
    }
    if (!writes.upsert) continue;
    Op upsert;
    upsert.table = writes.table;
    upsert.entity = writes.entity;
    upsert.kind = OpKind::kUpsert;
    for (const auto& [component, fields] : writes.writes) {
      ComponentWrite write;
      write.component = component;
      for (const auto& [field, value] : fields) write.fields.push_back(FieldWrite{field, value});
      upsert.writes.push_back(std::move(write));
    }
    ops_.push_back(std::move(upsert));
  }
  ops_stale_ = false;
  return ops_;
}

void Transaction::clear() {
  entities_.clear();
  index_.clear();
  ops_.clear();
  ops_stale_ = false;
}

}  // namespace theta_net::data
