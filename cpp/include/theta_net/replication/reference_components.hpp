// The reference game's replicated components, declared with the registry like any game's:
//
//   theta.transform     x, y, z   position, 1/16 block, +-2^25 blocks (y: -2048..2048)
//                       yaw, pitch  angles, 256 steps per turn
//   theta.velocity      x, y, z   blocks per second, 1/256 block/s, +-128
//   theta.health        current, max   integers 0..65535
//   theta.player_state  on_ground, sneaking, sprinting, flying   bools
//                       slot 0..8 (hotbar), game_mode 0..3
//
// Simulation state is fixed point (Fx, 1/65536 block) and angles are 1/65536 turn, as in
// InputFrame; the typed helpers quantize on the way in and dequantize on the way out.
#pragma once

#include <cstdint>
#include <memory>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/replication/component_registry.hpp"
#include "theta_net/replication/world_state.hpp"

namespace theta_net::replication::reference {

inline constexpr const char* kTransform = "theta.transform";
inline constexpr const char* kVelocity = "theta.velocity";
inline constexpr const char* kHealth = "theta.health";
inline constexpr const char* kPlayerState = "theta.player_state";

struct Transform {
  Fx x, y, z;
  std::int32_t yaw = 0;    // 1/65536 turn
  std::int32_t pitch = 0;  // 1/65536 turn, -16384 (down) .. 16384 (up)
  bool operator==(const Transform&) const = default;
};

struct Velocity {
  Fx x, y, z;  // blocks per second
  bool operator==(const Velocity&) const = default;
};

struct Health {
  std::int32_t current = 20;
  std::int32_t max = 20;
  bool operator==(const Health&) const = default;
};

struct PlayerState {
  bool on_ground = false;
  bool sneaking = false;
  bool sprinting = false;
  bool flying = false;
  std::int32_t slot = 0;
  std::int32_t game_mode = 0;
  bool operator==(const PlayerState&) const = default;
};

ComponentType transform_type();
ComponentType velocity_type();
ComponentType health_type();
ComponentType player_state_type();

// Registers the four types (idempotent).
// Errors: those of ComponentRegistry::add (a conflicting type of the same name, or a full
// registry).
Status register_components(ComponentRegistry& registry);
// A schema of exactly the four reference types.
std::shared_ptr<const Schema> schema();

// Typed access to a WorldState whose schema holds the reference types.
class ReferenceAccess {
 public:
  explicit ReferenceAccess(const Schema& schema);

  void set(WorldState& world, EntityId id, const Transform& t) const;
  void set(WorldState& world, EntityId id, const Velocity& v) const;
  void set(WorldState& world, EntityId id, const Health& h) const;
  void set(WorldState& world, EntityId id, const PlayerState& p) const;

  // The dequantized values of an entity at `index` (the component must be present).
  Transform transform(const WorldState& world, std::size_t index) const;
  Velocity velocity(const WorldState& world, std::size_t index) const;
  Health health(const WorldState& world, std::size_t index) const;
  PlayerState player_state(const WorldState& world, std::size_t index) const;

  std::size_t transform_index() const { return transform_; }
  std::size_t velocity_index() const { return velocity_; }
  std::size_t health_index() const { return health_; }
  std::size_t player_state_index() const { return player_state_; }

 private:
  std::size_t transform_, velocity_, health_, player_state_;
};

}  // namespace theta_net::replication::reference
