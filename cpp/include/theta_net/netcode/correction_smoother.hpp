// Hides reconciliation snaps: when a correction moves the predicted player, the drawn position
// keeps the old spot as an offset that decays over a few ticks, so the player sees a short glide
// instead of a jump. Exact simulation state and the smoothed render state are both readable.
// Generic over any game's positions (core Vec3): the reference game smooths its player with it,
// and Python games use it through theta_net.netcode.CorrectionSmoother.
#pragma once

#include "theta_net/core/vec3.hpp"

namespace theta_net::netcode {

class CorrectionSmoother {
 public:
  // Each tick keeps `keep` of the remaining offset (0.7 at 20 Hz: ~90% gone in 6 ticks); offsets
  // over `snap_distance` are not smoothed (a teleport should look like one).
  explicit CorrectionSmoother(Fx keep = Fx::from_ratio(7, 10), Fx snap_distance = Fx::from_int(4))
      : keep_(keep), snap_distance_(snap_distance) {}

  void on_correction(const Vec3& before, const Vec3& after);
  void tick();
  Vec3 render(const Vec3& simulated) const;
  Fx remaining() const;

 private:
  Fx keep_;
  Fx snap_distance_;
  Vec3 offset_{};
};

}  // namespace theta_net::netcode
