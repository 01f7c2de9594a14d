// A point or a direction in a fixed-point world (x, y, z in Fx). Shared by the reference game's
// simulation and the generic netcode (lag compensation's hit volumes), so that both use the same
// type and the same distance rule.
#pragma once

#include "theta_net/core/fixed_point.hpp"

namespace theta_net {

struct Vec3 {
  Fx x, y, z;
  bool operator==(const Vec3&) const = default;
};

// Distance between two points (floor of the Euclidean norm of the truncated squares; exact and
// the same on every machine).
inline Fx distance(const Vec3& a, const Vec3& b) {
  const Fx dx = a.x - b.x;
  const Fx dy = a.y - b.y;
  const Fx dz = a.z - b.z;
  return (dx * dx + dy * dy + dz * dz).sqrt();
}

}  // namespace theta_net
