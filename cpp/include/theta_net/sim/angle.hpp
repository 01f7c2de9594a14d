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

// Degrees at the borders (Python, tools, scenario files) and the binary angles inputs carry:
// yaw 0 faces +z and 90 faces -x (turning right), 65,536 units per turn, wrapping; pitch from
// -90 (straight down) to 90 (up) is -16384..16384, clamped. Rounded to the nearest unit, so the
// same degrees give the same input on every machine; the simulation itself never sees a float.
std::uint16_t yaw_from_degrees(double degrees);
std::int16_t pitch_from_degrees(double degrees);
double degrees_from_yaw(std::uint16_t yaw);
double degrees_from_pitch(std::int16_t pitch);

}  // namespace theta_net::sim
