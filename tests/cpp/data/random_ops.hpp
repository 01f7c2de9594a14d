// Seeded random values and ops for a DataSchema, for the data-layer tests: every value is valid
// for its field, so any op passes Store::check.
#pragma once

#include <cstdint>
#include <vector>

#include "theta_net/core/rng.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"

namespace theta_net::data::testing {

inline std::int64_t random_code(const FieldSpec& field, Rng& rng) {
  switch (field.type) {
    case FieldType::kBool:
      return static_cast<std::int64_t>(rng.uniform(2));
    case FieldType::kEnum:
      return static_cast<std::int64_t>(rng.uniform(field.enum_values.size()));
    case FieldType::kFloat:
      return static_cast<std::int64_t>(rng.uniform(std::uint64_t{1} << field.bits));
    default:
      return rng.uniform_int(field.min, field.max);
  }
}

inline Value random_value(const FieldSpec& field, Rng& rng) {
  if (field.is_text()) {
    std::string text(rng.uniform(field.max_bytes + 1), 'a');
    for (char& c : text) c = static_cast<char>('a' + rng.uniform(26));
    return text;
  }
  if (field.type == FieldType::kF64) {
    std::vector<double> values(field.count);
    for (double& v : values) v = static_cast<double>(rng.uniform_int(-1000, 1000)) / 8.0;
    if (field.count == 1) return values[0];
    return values;
  }
  std::vector<std::int64_t> codes(field.count);
  for (auto& code : codes) code = random_code(field, rng);
  if (field.count == 1) return codes[0];
  return codes;
}

// An upsert of a random subset of components and fields (either may be empty).
inline Op random_upsert(const DataSchema& schema, std::uint16_t table, EntityId entity, Rng& rng) {
  Op op;
  op.table = table;
  op.entity = entity;
  const TableSpec& spec = schema.table(table);
  for (std::size_t c = 0; c < spec.components.size(); ++c) {
    if (rng.uniform(2) == 0) continue;
    ComponentWrite write;
    write.component = static_cast<std::uint16_t>(c);
    const auto& fields = spec.components[c].fields;
    for (std::size_t f = 0; f < fields.size(); ++f) {
      if (rng.uniform(3) == 0) continue;
      write.fields.push_back(
          FieldWrite{static_cast<std::uint16_t>(f), random_value(fields[f], rng)});
    }
    op.writes.push_back(std::move(write));
  }
  return op;
}

// A random op on one of `entities` ids: mostly upserts, some removes of components or entities.
inline Op random_op(const DataSchema& schema, std::uint64_t entities, Rng& rng) {
  const auto table = static_cast<std::uint16_t>(rng.uniform(schema.tables().size()));
  const EntityId entity = 1 + rng.uniform(entities);
  const std::uint64_t roll = rng.uniform(10);
  const std::size_t components = schema.table(table).components.size();
  if (roll == 0 || components == 0) {
    Op op;
    op.table = table;
    op.entity = entity;
    op.kind = OpKind::kRemoveEntity;
    return op;
  }
  if (roll == 1) {
    Op op;
    op.table = table;
    op.entity = entity;
    op.kind = OpKind::kRemoveComponents;
    op.components = std::uint64_t{1} << rng.uniform(components);
    op.components |=
        components >= 64 ? rng.next_u64() : rng.next_u64() & ((std::uint64_t{1} << components) - 1);
    return op;
  }
  return random_upsert(schema, table, entity, rng);
}

}  // namespace theta_net::data::testing
