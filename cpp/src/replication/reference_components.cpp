#include "theta_net/replication/reference_components.hpp"

#include <array>

namespace theta_net::replication::reference {
namespace {

using F = FieldDescriptor;

std::size_t require(const Schema& schema, const char* name) {
  // The caller promised a schema with the reference types; a missing one is a programming error.
  return schema.index_of_name(name).value();
}

}  // namespace

ComponentType transform_type() {
  return ComponentType::make(kTransform, {F::position("x"), F::position("y", -2048, 2048),
                                          F::position("z"), F::angle("yaw"), F::angle("pitch")})
      .value();
}

ComponentType velocity_type() {
  constexpr std::int64_t kLimit = 128 * kFxOne;
  return ComponentType::make(kVelocity,
                             {F::fixed("x", 8, -kLimit, kLimit), F::fixed("y", 8, -kLimit, kLimit),
                              F::fixed("z", 8, -kLimit, kLimit)})
      .value();
}

ComponentType health_type() {
  return ComponentType::make(kHealth,
                             {F::integer("current", 0, 65535), F::integer("max", 0, 65535)})
      .value();
}

ComponentType player_state_type() {
  return ComponentType::make(
             kPlayerState,
             {F::boolean("on_ground"), F::boolean("sneaking"), F::boolean("sprinting"),
              F::boolean("flying"), F::integer("slot", 0, 8), F::integer("game_mode", 0, 3)})
      .value();
}

Status register_components(ComponentRegistry& registry) {
  for (auto type : {transform_type(), velocity_type(), health_type(), player_state_type()}) {
    THETA_TRY(registry.add(std::move(type)));
  }
  return {};
}

std::shared_ptr<const Schema> schema() {
  static const std::shared_ptr<const Schema> kSchema =
      Schema::make({transform_type(), velocity_type(), health_type(), player_state_type()}).value();
  return kSchema;
}

ReferenceAccess::ReferenceAccess(const Schema& schema)
    : transform_(require(schema, kTransform)),
      velocity_(require(schema, kVelocity)),
      health_(require(schema, kHealth)),
      player_state_(require(schema, kPlayerState)) {}

void ReferenceAccess::set(WorldState& world, EntityId id, const Transform& t) const {
  const std::array<std::int64_t, 5> raw = {t.x.raw(), t.y.raw(), t.z.raw(), t.yaw, t.pitch};
  world.set_raw(id, transform_, raw);
}

void ReferenceAccess::set(WorldState& world, EntityId id, const Velocity& v) const {
  const std::array<std::int64_t, 3> raw = {v.x.raw(), v.y.raw(), v.z.raw()};
  world.set_raw(id, velocity_, raw);
}

void ReferenceAccess::set(WorldState& world, EntityId id, const Health& h) const {
  const std::array<std::int64_t, 2> raw = {h.current, h.max};
  world.set_raw(id, health_, raw);
}

void ReferenceAccess::set(WorldState& world, EntityId id, const PlayerState& p) const {
  const std::array<std::int64_t, 6> raw = {p.on_ground, p.sneaking, p.sprinting,
                                           p.flying,    p.slot,     p.game_mode};
  world.set_raw(id, player_state_, raw);
}

Transform ReferenceAccess::transform(const WorldState& world, std::size_t index) const {
  std::array<std::int64_t, 5> raw{};
  world.get_raw(index, transform_, raw);
  return {Fx::from_raw(raw[0]), Fx::from_raw(raw[1]), Fx::from_raw(raw[2]),
          static_cast<std::int32_t>(raw[3]), static_cast<std::int32_t>(raw[4])};
}

Velocity ReferenceAccess::velocity(const WorldState& world, std::size_t index) const {
  std::array<std::int64_t, 3> raw{};
  world.get_raw(index, velocity_, raw);
  return {Fx::from_raw(raw[0]), Fx::from_raw(raw[1]), Fx::from_raw(raw[2])};
}

Health ReferenceAccess::health(const WorldState& world, std::size_t index) const {
  std::array<std::int64_t, 2> raw{};
  world.get_raw(index, health_, raw);
  return {static_cast<std::int32_t>(raw[0]), static_cast<std::int32_t>(raw[1])};
}

PlayerState ReferenceAccess::player_state(const WorldState& world, std::size_t index) const {
  std::array<std::int64_t, 6> raw{};
  world.get_raw(index, player_state_, raw);
  return {raw[0] != 0,
          raw[1] != 0,
          raw[2] != 0,
          raw[3] != 0,
          static_cast<std::int32_t>(raw[4]),
          static_cast<std::int32_t>(raw[5])};
}

}  // namespace theta_net::replication::reference
