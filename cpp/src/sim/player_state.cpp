#include "theta_net/sim/player_state.hpp"

namespace theta_net::sim {

Fx distance(const Vec3& a, const Vec3& b) {
  const Fx dx = a.x - b.x;
  const Fx dy = a.y - b.y;
  const Fx dz = a.z - b.z;
  return (dx * dx + dy * dy + dz * dz).sqrt();
}

}  // namespace theta_net::sim
