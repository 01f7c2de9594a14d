// Player movement: input -> velocity -> position, with axis-by-axis collision against solid
// blocks. A pure function of (state, input, world), shared by the server's authoritative step and
// the client's prediction and replay.
#pragma once

#include "theta_net/protocol/messages.hpp"
#include "theta_net/sim/player_state.hpp"
#include "theta_net/sim/rules.hpp"
#include "theta_net/world/chunk_store.hpp"

namespace theta_net::sim {

struct MoveResult {
  bool landed = false;      // touched the ground this tick after being in the air
  std::int16_t damage = 0;  // fall damage taken on landing (already taken from health)
};

MoveResult step_movement(PlayerState& player, const protocol::InputFrame& input,
                         world::ChunkStore& world, const Rules& rules);

// True when a player box at `feet` overlaps any solid block.
bool box_collides(const Vec3& feet, world::ChunkStore& world, const Rules& rules);

}  // namespace theta_net::sim
