// Deterministic trigonometry for the simulation. Angles are uint16 "binary degrees" (65,536 per
// turn, as InputFrame.yaw travels); sine and cosine come from a quarter-wave table of 257 entries
// with linear interpolation in integers, so every machine computes the same bits (libm's sin may
// round differently from one platform to the next).
#pragma once

#include <cstdint>

#include "theta_net/core/fixed_point.hpp"

namespace theta_net::sim {

Fx sin_turn(std::uint16_t angle);
Fx cos_turn(std::uint16_t angle);

}  // namespace theta_net::sim
