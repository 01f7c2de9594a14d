// Remote entities are drawn a little in the past (100 ms by default), between two server samples
// that bracket the render time: positions lerped, yaw turned the short way round. When updates
// are late, the entity is extrapolated along its last velocity for a bounded time, then held.
// Time is in ticks (fractional, fixed point) so the same samples always give the same view.
#pragma once

#include <cstdint>
#include <deque>

#include "theta_net/core/time.hpp"
#include "theta_net/sim/player_state.hpp"

namespace theta_net::netcode {

struct EntitySample {
  std::uint32_t tick = 0;
  sim::Vec3 position;
  sim::Vec3 velocity;  // blocks per second
  std::uint16_t yaw = 0;
  std::int16_t pitch = 0;
};

struct InterpolatedView {
  bool valid = false;         // false until the first sample
  bool extrapolated = false;  // the render time is past the newest sample
  sim::Vec3 position;
  std::uint16_t yaw = 0;
  std::int16_t pitch = 0;
};

class Interpolator {
 public:
  // max_extrapolation: how far past the newest sample (in ticks) the entity keeps moving.
  explicit Interpolator(std::uint32_t tick_rate, Fx max_extrapolation_ticks = Fx::from_int(5),
                        std::size_t capacity = 64);

  // Samples may arrive out of order; a repeated tick is ignored.
  void add(const EntitySample& sample);
  InterpolatedView view_at(Fx render_tick) const;

  std::size_t size() const { return samples_.size(); }
  std::uint32_t newest_tick() const { return samples_.empty() ? 0 : samples_.back().tick; }

 private:
  std::uint32_t tick_rate_;
  Fx max_extrapolation_;
  std::size_t capacity_;
  std::deque<EntitySample> samples_;  // sorted by tick
};

// The render time for an interpolation delay: `server_tick_now` (fractional) minus the delay.
Fx interpolation_time(Fx server_tick_now, Micros delay, std::uint32_t tick_rate);

}  // namespace theta_net::netcode
