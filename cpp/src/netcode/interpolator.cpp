#include "theta_net/netcode/interpolator.hpp"

#include <algorithm>

namespace theta_net::netcode {
namespace {

Fx lerp(Fx a, Fx b, Fx t) {
  return a + (b - a) * t;
}

std::uint16_t turn_lerp(std::uint16_t a, std::uint16_t b, Fx t) {
  const auto diff = static_cast<std::int16_t>(static_cast<std::uint16_t>(b - a));  // the short way
  return static_cast<std::uint16_t>(a + (Fx::from_int(diff) * t).floor());
}

}  // namespace

Fx interpolation_time(Fx server_tick_now, Micros delay, std::uint32_t tick_rate) {
  return server_tick_now - Fx::from_ratio(delay.count() * tick_rate, 1'000'000);
}

Interpolator::Interpolator(std::uint32_t tick_rate, Fx max_extrapolation_ticks,
                           std::size_t capacity)
    : tick_rate_(tick_rate), max_extrapolation_(max_extrapolation_ticks), capacity_(capacity) {}

void Interpolator::add(const EntitySample& sample) {
  if (samples_.empty() || samples_.back().tick < sample.tick) {  // the usual case: the newest
    samples_.push_back(sample);
    if (samples_.size() > capacity_) samples_.pop_front();
    return;
  }
  auto it =
      std::lower_bound(samples_.begin(), samples_.end(), sample.tick,
                       [](const EntitySample& s, std::uint32_t tick) { return s.tick < tick; });
  if (it != samples_.end() && it->tick == sample.tick) return;
  samples_.insert(it, sample);
  while (samples_.size() > capacity_) samples_.pop_front();
}

InterpolatedView Interpolator::view_at(Fx render_tick) const {
  InterpolatedView view;
  if (samples_.empty()) return view;
  view.valid = true;
  const EntitySample& newest = samples_.back();
  if (render_tick <= Fx::from_int(samples_.front().tick)) {
    view.position = samples_.front().position;
    view.yaw = samples_.front().yaw;
    view.pitch = samples_.front().pitch;
    return view;
  }
  if (render_tick >= Fx::from_int(newest.tick)) {
    // Late updates: keep moving along the last velocity for a bounded time, then hold.
    view.extrapolated = render_tick > Fx::from_int(newest.tick);
    const Fx ahead_ticks = std::min(render_tick - Fx::from_int(newest.tick), max_extrapolation_);
    // velocity * ticks / rate, multiplied first so whole numbers stay exact.
    const Fx rate = Fx::from_int(tick_rate_);
    view.position = {newest.position.x + newest.velocity.x * ahead_ticks / rate,
                     newest.position.y + newest.velocity.y * ahead_ticks / rate,
                     newest.position.z + newest.velocity.z * ahead_ticks / rate};
    view.yaw = newest.yaw;
    view.pitch = newest.pitch;
    return view;
  }
  // The two samples around the render time.
  auto after =
      std::upper_bound(samples_.begin(), samples_.end(), render_tick,
                       [](Fx t, const EntitySample& s) { return t < Fx::from_int(s.tick); });
  const EntitySample& b = *after;
  const EntitySample& a = *(after - 1);
  const Fx t = (render_tick - Fx::from_int(a.tick)) / Fx::from_int(b.tick - a.tick);
  view.position = {lerp(a.position.x, b.position.x, t), lerp(a.position.y, b.position.y, t),
                   lerp(a.position.z, b.position.z, t)};
  view.yaw = turn_lerp(a.yaw, b.yaw, t);
  view.pitch =
      static_cast<std::int16_t>(lerp(Fx::from_int(a.pitch), Fx::from_int(b.pitch), t).floor());
  return view;
}

}  // namespace theta_net::netcode
