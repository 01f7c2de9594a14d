// Server-side lag compensation for hit-scan weapons (the Source engine and Overwatch approach).
// A client draws other entities in the past: its view is the server's state one round trip plus
// its interpolation delay old by the time its shot reaches the server. The server records every
// entity's hit volume each tick, and evaluates a shot against the volumes as they were at the
// tick the shooter saw, interpolated between the two recorded ticks around it as the client's
// interpolator does, but never further back than a configured maximum rewind (a player with a
// huge ping must not shoot far into the past).
//
// Everything is fixed point and exact: the same history and shot give the same answer on every
// machine, so a replay judges hits as the live server did.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/core/vec3.hpp"

namespace theta_net::netcode {

// An axis-aligned box an entity can be hit in, at one tick.
struct HitVolume {
  std::uint64_t entity = 0;
  Vec3 center;
  Vec3 half_extents;  // each >= 0
};

// A hit-scan: the segment from `origin` to `end` (the aim, out to the weapon's range).
struct HitRay {
  Vec3 origin;
  Vec3 end;
};

struct Hit {
  std::uint64_t entity = 0;
  Fx fraction;  // where along the segment the ray enters the volume, 0..1
  Vec3 point;   // origin + fraction * (end - origin)
};

struct ShotResult {
  std::optional<Hit> hit;
  Fx evaluated_tick;     // the (fractional) tick the shot was judged at
  bool clamped = false;  // the tick the shooter saw was older than the rewind allows
};

// Hit volumes and rays stay within this distance of the origin on every axis (2^31 blocks),
// which keeps the exact arithmetic inside 128 bits.
inline constexpr Fx kMaxHitCoordinate = Fx::from_int(std::int64_t{1} << 31);

struct LagCompensationConfig {
  std::uint32_t tick_rate = 20;
  Micros max_rewind = Micros(200'000);  // the oldest past a shot may be judged in
};

// The first volume the segment enters (the smallest fraction; on a tie, the smaller entity id),
// skipping `ignore` (the shooter). Exact rational slab test. A ray with an end beyond
// kMaxHitCoordinate hits nothing.
std::optional<Hit> raycast(const HitRay& ray, std::span<const HitVolume> volumes,
                           std::uint64_t ignore);

class LagCompensator {
 public:
  explicit LagCompensator(LagCompensationConfig config = {});

  // The volumes after simulating `tick`; ticks must increase. Only the last max_rewind (plus
  // one tick to interpolate from) are kept.
  // Errors: kInvalidArgument (a tick not after the last one recorded, a negative half extent,
  // a centre or half extent beyond kMaxHitCoordinate, one entity twice in the tick).
  Status record(std::uint32_t tick, std::span<const HitVolume> volumes);

  // The tick a client saw when its shot is handled at the newest recorded tick: that tick minus
  // the client's round trip and interpolation delay, in (fractional) ticks.
  Fx view_tick(Micros rtt, Micros interpolation_delay) const;

  // Judges a shot at the tick the shooter saw (from its round trip and interpolation delay).
  ShotResult hitscan(const HitRay& ray, std::uint64_t shooter, Micros rtt,
                     Micros interpolation_delay) const;
  // Judges a shot at a tick the client says it saw (its render tick), clamped to the allowed
  // rewind and to the recorded history.
  ShotResult hitscan_at(const HitRay& ray, std::uint64_t shooter, Fx seen_tick) const;

  // The volumes at a fractional tick: each entity recorded at both ticks around it is
  // interpolated; one recorded only at the earlier tick stays there; one that appears only at
  // the later tick did not exist yet. Empty outside the history.
  std::vector<HitVolume> volumes_at(Fx tick) const;

  std::uint32_t newest_tick() const { return ticks_.empty() ? 0 : ticks_.back().tick; }
  std::uint32_t oldest_tick() const { return ticks_.empty() ? 0 : ticks_.front().tick; }
  std::size_t ticks_kept() const { return ticks_.size(); }
  const LagCompensationConfig& config() const { return config_; }

 private:
  struct Recorded {
    std::uint32_t tick = 0;
    std::vector<HitVolume> volumes;  // sorted by entity
  };
  const Recorded* find(std::uint32_t tick) const;

  LagCompensationConfig config_;
  std::uint32_t max_rewind_ticks_;
  std::deque<Recorded> ticks_;
};

}  // namespace theta_net::netcode
