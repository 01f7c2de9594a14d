#include "theta_net/netcode/lag_compensation.hpp"

#include <algorithm>

#include "theta_net/core/int128.hpp"
#include "theta_net/core/integer_math.hpp"

namespace theta_net::netcode {
namespace {

// A non-negative fraction num/den (den > 0) of the segment, compared exactly.
struct Fraction {
  int128_t num;
  int128_t den;
  bool operator<(const Fraction& o) const { return num * o.den < o.num * den; }
};

Fx axis(const Vec3& v, int a) {
  return a == 0 ? v.x : a == 1 ? v.y : v.z;
}

// Where the segment enters the box, or nothing when it misses it.
std::optional<Fraction> entry(const HitRay& ray, const HitVolume& volume) {
  Fraction enter{0, 1};
  Fraction exit{1, 1};
  for (int a = 0; a < 3; ++a) {
    const int128_t origin = axis(ray.origin, a).raw();
    const int128_t d = static_cast<int128_t>(axis(ray.end, a).raw()) - origin;
    const int128_t center = axis(volume.center, a).raw();
    const int128_t half = axis(volume.half_extents, a).raw();
    const int128_t lo = center - half - origin;
    const int128_t hi = center + half - origin;
    if (d == 0) {
      if (lo > 0 || hi < 0) return std::nullopt;  // parallel to this slab and outside it
      continue;
    }
    Fraction near = d > 0 ? Fraction{lo, d} : Fraction{-hi, -d};
    Fraction far = d > 0 ? Fraction{hi, d} : Fraction{-lo, -d};
    if (enter < near) enter = near;
    if (far < exit) exit = far;
    if (exit < enter) return std::nullopt;
  }
  return enter;
}

Fx lerp(Fx a, Fx b, Fx t) {
  return a + (b - a) * t;
}

bool within_bounds(const Vec3& v) {
  const std::int64_t limit = kMaxHitCoordinate.raw();
  auto in = [&](Fx c) { return c.raw() >= -limit && c.raw() <= limit; };
  return in(v.x) && in(v.y) && in(v.z);
}

}  // namespace

std::optional<Hit> raycast(const HitRay& ray, std::span<const HitVolume> volumes,
                           std::uint64_t ignore) {
  // Beyond the bounds the exact products below could overflow: such a ray hits nothing.
  if (!within_bounds(ray.origin) || !within_bounds(ray.end)) return std::nullopt;
  std::optional<Fraction> best;
  const HitVolume* best_volume = nullptr;
  for (const HitVolume& v : volumes) {
    if (v.entity == ignore) continue;
    auto f = entry(ray, v);
    if (!f) continue;
    const bool nearer = !best || *f < *best;
    const bool tie = best && !(*f < *best) && !(*best < *f);
    if (nearer || (tie && v.entity < best_volume->entity)) {
      best = f;
      best_volume = &v;
    }
  }
  if (!best) return std::nullopt;
  Hit hit;
  hit.entity = best_volume->entity;
  hit.fraction =
      Fx::from_raw(static_cast<std::int64_t>(floor_div<int128_t>(best->num * Fx::kOne, best->den)));
  Vec3 point;
  for (int a = 0; a < 3; ++a) {
    const int128_t origin = axis(ray.origin, a).raw();
    const int128_t d = static_cast<int128_t>(axis(ray.end, a).raw()) - origin;
    const Fx c = Fx::from_raw(
        static_cast<std::int64_t>(origin + floor_div<int128_t>(d * best->num, best->den)));
    (a == 0 ? point.x : a == 1 ? point.y : point.z) = c;
  }
  hit.point = point;
  return hit;
}

LagCompensator::LagCompensator(LagCompensationConfig config)
    : config_(config),
      max_rewind_ticks_(static_cast<std::uint32_t>(
          (count_us(config.max_rewind) * config.tick_rate + 999'999) / 1'000'000)) {}

Status LagCompensator::record(std::uint32_t tick, std::span<const HitVolume> volumes) {
  if (!ticks_.empty() && tick <= ticks_.back().tick) {
    return make_error(ErrorCode::kInvalidArgument, "hit volumes for tick ", tick,
                      " come after those of tick ", ticks_.back().tick);
  }
  Recorded rec;
  rec.tick = tick;
  rec.volumes.assign(volumes.begin(), volumes.end());
  std::sort(rec.volumes.begin(), rec.volumes.end(),
            [](const HitVolume& a, const HitVolume& b) { return a.entity < b.entity; });
  for (std::size_t i = 0; i < rec.volumes.size(); ++i) {
    const HitVolume& v = rec.volumes[i];
    if (v.half_extents.x < Fx{} || v.half_extents.y < Fx{} || v.half_extents.z < Fx{}) {
      return make_error(ErrorCode::kInvalidArgument, "entity ", v.entity,
                        " has a negative half extent");
    }
    if (!within_bounds(v.center) || !within_bounds(v.half_extents)) {
      return make_error(ErrorCode::kInvalidArgument, "entity ", v.entity,
                        " has a hit volume beyond ", kMaxHitCoordinate.floor(),
                        " blocks from the origin");
    }
    if (i > 0 && rec.volumes[i - 1].entity == v.entity) {
      return make_error(ErrorCode::kInvalidArgument, "entity ", v.entity,
                        " has two hit volumes in tick ", tick);
    }
  }
  ticks_.push_back(std::move(rec));
  // Keep the rewind window and the tick before it, which interpolation into the window needs.
  while (ticks_.size() > static_cast<std::size_t>(max_rewind_ticks_) + 2) ticks_.pop_front();
  return {};
}

const LagCompensator::Recorded* LagCompensator::find(std::uint32_t tick) const {
  auto it = std::lower_bound(ticks_.begin(), ticks_.end(), tick,
                             [](const Recorded& r, std::uint32_t t) { return r.tick < t; });
  return it != ticks_.end() && it->tick == tick ? &*it : nullptr;
}

Fx LagCompensator::view_tick(Micros rtt, Micros interpolation_delay) const {
  const std::uint64_t us = count_us(rtt) + count_us(interpolation_delay);
  const Fx delay = Fx::from_ratio(static_cast<std::int64_t>(us * config_.tick_rate), 1'000'000);
  return Fx::from_int(newest_tick()) - delay;
}

std::vector<HitVolume> LagCompensator::volumes_at(Fx tick) const {
  std::vector<HitVolume> out;
  if (ticks_.empty() || tick < Fx::from_int(oldest_tick()) || tick > Fx::from_int(newest_tick())) {
    return out;
  }
  const auto whole = static_cast<std::uint32_t>(tick.floor());
  const Fx t = tick - Fx::from_int(whole);
  const Recorded* before = find(whole);
  if (!before) return out;  // a tick the server skipped: nothing to judge against
  const Recorded* after = t > Fx{} ? find(whole + 1) : nullptr;
  out.reserve(before->volumes.size());
  auto next = after ? after->volumes.begin() : std::vector<HitVolume>::const_iterator{};
  for (const HitVolume& v : before->volumes) {
    HitVolume at = v;
    if (after) {
      while (next != after->volumes.end() && next->entity < v.entity) ++next;
      if (next != after->volumes.end() && next->entity == v.entity) {
        at.center = {lerp(v.center.x, next->center.x, t), lerp(v.center.y, next->center.y, t),
                     lerp(v.center.z, next->center.z, t)};
        at.half_extents = {lerp(v.half_extents.x, next->half_extents.x, t),
                           lerp(v.half_extents.y, next->half_extents.y, t),
                           lerp(v.half_extents.z, next->half_extents.z, t)};
      }
    }
    out.push_back(at);
  }
  return out;
}

ShotResult LagCompensator::hitscan_at(const HitRay& ray, std::uint64_t shooter,
                                      Fx seen_tick) const {
  ShotResult result;
  if (ticks_.empty()) return result;
  const Fx now = Fx::from_int(newest_tick());
  // The exact limit (a 210 ms rewind at 20 Hz is 4.2 ticks), not the whole ticks kept for it.
  const Fx max_rewind = Fx::from_ratio(
      static_cast<std::int64_t>(count_us(config_.max_rewind) * config_.tick_rate), 1'000'000);
  Fx earliest = now - max_rewind;
  if (earliest < Fx::from_int(oldest_tick())) earliest = Fx::from_int(oldest_tick());
  result.evaluated_tick = std::clamp(seen_tick, earliest, now);
  result.clamped = result.evaluated_tick != seen_tick;
  const std::vector<HitVolume> volumes = volumes_at(result.evaluated_tick);
  result.hit = raycast(ray, volumes, shooter);
  return result;
}

ShotResult LagCompensator::hitscan(const HitRay& ray, std::uint64_t shooter, Micros rtt,
                                   Micros interpolation_delay) const {
  return hitscan_at(ray, shooter, view_tick(rtt, interpolation_delay));
}

}  // namespace theta_net::netcode
