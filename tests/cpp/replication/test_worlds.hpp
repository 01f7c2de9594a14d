// Shared helpers of the replication tests: a small two-component schema like the seeds'
// (position, velocity) and deterministic worlds built on it or on the reference schema.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "theta_net/core/rng.hpp"
#include "theta_net/replication/component_registry.hpp"
#include "theta_net/replication/reference_components.hpp"
#include "theta_net/replication/world_state.hpp"

namespace theta_net::replication::testing {

inline ComponentType position_type() {
  return ComponentType::make("position",
                             {FieldDescriptor::position("x"), FieldDescriptor::position("y"),
                              FieldDescriptor::position("z")})
      .value();
}

inline ComponentType velocity_type() {
  return ComponentType::make("velocity",
                             {FieldDescriptor::fixed("x", 8, -64 * kFxOne, 64 * kFxOne),
                              FieldDescriptor::fixed("y", 8, -64 * kFxOne, 64 * kFxOne),
                              FieldDescriptor::fixed("z", 8, -64 * kFxOne, 64 * kFxOne)})
      .value();
}

inline std::shared_ptr<const Schema> seed_schema() {
  return Schema::make({position_type(), velocity_type()}).value();
}

inline void set_position(WorldState& w, EntityId id, double x, double y, double z) {
  const std::size_t k = w.schema().index_of_name("position").value();
  const std::array<std::int64_t, 3> raw = {Fx::from_double(x).raw(), Fx::from_double(y).raw(),
                                           Fx::from_double(z).raw()};
  w.set_raw(id, k, raw);
}

inline void set_velocity(WorldState& w, EntityId id, double x, double y, double z) {
  const std::size_t k = w.schema().index_of_name("velocity").value();
  const std::array<std::int64_t, 3> raw = {Fx::from_double(x).raw(), Fx::from_double(y).raw(),
                                           Fx::from_double(z).raw()};
  w.set_raw(id, k, raw);
}

// A reference-schema world of `count` players/mobs with every component, seeded.
inline WorldState reference_world(std::size_t count, std::uint64_t seed, EntityId first_id = 1) {
  auto schema = reference::schema();
  reference::ReferenceAccess access(*schema);
  WorldState w(schema);
  Rng rng(seed);
  for (std::size_t i = 0; i < count; ++i) {
    const EntityId id = first_id + i;
    access.set(w, id,
               reference::Transform{Fx::from_raw(rng.uniform_int(-(1 << 26), 1 << 26)),
                                    Fx::from_raw(rng.uniform_int(0, 100 << 16)),
                                    Fx::from_raw(rng.uniform_int(-(1 << 26), 1 << 26)),
                                    static_cast<std::int32_t>(rng.uniform(65536)),
                                    static_cast<std::int32_t>(rng.uniform_int(-16384, 16384))});
    access.set(w, id,
               reference::Velocity{Fx::from_raw(rng.uniform_int(-(8 << 16), 8 << 16)),
                                   Fx::from_raw(rng.uniform_int(-(8 << 16), 8 << 16)),
                                   Fx::from_raw(rng.uniform_int(-(8 << 16), 8 << 16))});
    access.set(w, id, reference::Health{static_cast<std::int32_t>(rng.uniform(21)), 20});
    if (i % 4 == 0) {
      access.set(w, id,
                 reference::PlayerState{rng.chance(0.5), rng.chance(0.2), rng.chance(0.2), false,
                                        static_cast<std::int32_t>(rng.uniform(9)), 0});
    }
  }
  return w;
}

}  // namespace theta_net::replication::testing
