// One player's simulated state. Everything is integer or fixed point (DESIGN.md, principle 2):
// the same inputs give the same state bits on every machine, which is what lets a client predict
// with the server's code and a replay reproduce a session.
#pragma once

#include <cstdint>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/core/vec3.hpp"

namespace theta_net::sim {

// Points and distances are the core's (core/vec3.hpp), shared with the generic netcode.
using theta_net::distance;
using theta_net::Vec3;

struct PlayerState {
  Vec3 position;           // centre of the feet (bottom face of the bounding box), in blocks
  Vec3 velocity;           // blocks per second
  std::uint16_t yaw = 0;   // 65,536 steps per turn; 0 faces +z
  std::int16_t pitch = 0;  // -16384 (down) .. 16384 (up)
  bool on_ground = false;
  std::int16_t health = 20;
  std::uint8_t selected_slot = 0;
  std::uint32_t last_input_sequence = 0;  // the newest input applied

  bool operator==(const PlayerState&) const = default;
};

}  // namespace theta_net::sim
