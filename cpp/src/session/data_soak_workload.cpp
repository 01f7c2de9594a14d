#include "theta_net/session/data_soak_workload.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace theta_net::session {

namespace {

constexpr std::uint16_t kUnits = 0;
constexpr std::uint16_t kPosition = 0, kHealth = 1, kTag = 2;
constexpr std::uint16_t kHp = 0, kArmor = 1;
constexpr std::uint16_t kName = 0, kTeam = 1;
constexpr std::int64_t kPositionSteps = 4096 * 256;  // +-4096 blocks at 8 fraction bits

data::FieldSpec int_field(std::string name, std::int64_t min, std::int64_t max, std::int64_t def) {
  data::FieldSpec f;
  f.name = std::move(name);
  f.type = data::FieldType::kInt;
  f.min = min;
  f.max = max;
  f.default_value = def;
  return f;
}

data::FieldSpec fixed_field(std::string name) {
  data::FieldSpec f;
  f.name = std::move(name);
  f.type = data::FieldType::kFixed;
  f.bits = 8;
  f.min = -kPositionSteps;
  f.max = kPositionSteps;
  f.default_value = std::int64_t{0};
  return f;
}

std::shared_ptr<const data::DataSchema> build_schema() {
  data::FieldSpec name;
  name.name = "name";
  name.type = data::FieldType::kString;
  name.max_bytes = 16;
  name.default_value = std::string();
  data::FieldSpec team;
  team.name = "team";
  team.type = data::FieldType::kEnum;
  team.enum_values = {"red", "blue", "green"};
  team.default_value = std::int64_t{0};

  data::TableSpec units;
  units.name = "units";
  units.components = {
      data::ComponentSpec{"position", {fixed_field("x"), fixed_field("y"), fixed_field("z")}},
      data::ComponentSpec{"health", {int_field("hp", 0, 1000, 100), int_field("armor", 0, 100, 0)}},
      data::ComponentSpec{"tag", {name, team}},
  };
  auto schema = data::DataSchema::make("soak", 1, 0, {units});
  if (!schema.ok()) {
    // A fixed, valid schema: only a bug gets here.
    std::fprintf(stderr, "theta_net: soak schema: %s\n", schema.error().describe().c_str());
    std::abort();
  }
  return std::move(schema).value();
}

// Every set below is in range by construction: a refusal is a bug in this file.
void must(const Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "theta_net: soak write: %s\n", status.error().describe().c_str());
    std::abort();
  }
}

}  // namespace

std::shared_ptr<const data::DataSchema> soak_schema() {
  static const std::shared_ptr<const data::DataSchema> schema = build_schema();
  return schema;
}

SoakWorkload::SoakWorkload(std::shared_ptr<const data::DataSchema> schema, std::uint64_t entities,
                           Rng rng)
    : schema_(std::move(schema)), entities_(entities), rng_(rng) {}

void SoakWorkload::set_position(data::Transaction& tx, std::uint64_t entity) {
  for (std::uint16_t axis = 0; axis < 3; ++axis) {
    must(tx.set(kUnits, entity, kPosition, axis,
                data::Value{rng_.uniform_int(-kPositionSteps, kPositionSteps)}));
  }
}

void SoakWorkload::set_health(data::Transaction& tx, std::uint64_t entity) {
  must(tx.set(kUnits, entity, kHealth, kHp, data::Value{rng_.uniform_int(0, 1000)}));
  if (rng_.chance(0.25)) {
    must(tx.set(kUnits, entity, kHealth, kArmor, data::Value{rng_.uniform_int(0, 100)}));
  }
}

void SoakWorkload::set_tag(data::Transaction& tx, std::uint64_t entity, bool name, bool team) {
  if (name) {
    std::string text(static_cast<std::size_t>(rng_.uniform_int(1, 16)), 'a');
    for (char& c : text) c = static_cast<char>('a' + rng_.uniform(26));
    must(tx.set(kUnits, entity, kTag, kName, data::Value{std::move(text)}));
  }
  if (team) must(tx.set(kUnits, entity, kTag, kTeam, data::Value{rng_.uniform_int(0, 2)}));
}

data::Transaction SoakWorkload::populate(std::uint64_t first, std::uint64_t count) {
  data::Transaction tx(schema_);
  for (std::uint64_t entity = first; entity < first + count; ++entity) {
    set_position(tx, entity);
    set_health(tx, entity);
    set_tag(tx, entity, true, true);
  }
  return tx;
}

data::Transaction SoakWorkload::next_write() {
  data::Transaction tx(schema_);
  const std::uint64_t entity = 1 + rng_.uniform(entities_);
  const std::uint64_t kind = rng_.uniform(100);
  if (kind < 50) {
    set_position(tx, entity);
  } else if (kind < 80) {
    set_health(tx, entity);
  } else if (kind < 90) {
    set_tag(tx, entity, true, false);
  } else if (kind < 95) {
    set_tag(tx, entity, false, true);
  } else if (kind < 98) {
    must(tx.remove_component("units", entity, "tag"));
  } else {
    must(tx.remove_entity("units", entity));
  }
  return tx;
}

std::optional<std::size_t> SoakWorkload::next_writer(std::size_t clients, double server_share) {
  if (clients == 0 || rng_.next_double() < server_share) return std::nullopt;
  return static_cast<std::size_t>(rng_.uniform(clients));
}

}  // namespace theta_net::session
