// Interpolation and bounded extrapolation of any replicated component, by its fields' kinds
// (replication/field_descriptor.hpp). A client draws remote entities a little in the past,
// between two server samples that bracket the render time; how a field moves between them
// depends on what it is:
//
//   fixed       lerp
//   angle       lerp the short way round (wraps at one turn)
//   quaternion  slerp along the shorter arc
//   integer     step: the earlier sample's value until the later one's tick
//   bool        step
//
// Past the newest sample (updates are late), fixed fields, angles and quaternions continue at
// their last rate for at most `max_extrapolation` ticks, then hold; integers and bools hold.
// Everything but the slerp is exact integer arithmetic on raw values (Fx raw units; angles in
// 1/65536 turn). The slerp is computed in double precision and rounded to raw units: it is
// render state, never simulation state.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/replication/component_type.hpp"

namespace theta_net::netcode {

// One field's raw value at `t` between a (t = 0) and b (t = 1); t > 1 extrapolates past b.
// a, b and out hold field.slots() values each. Fixed results are clamped to the field's range.
void interpolate_field(const replication::FieldDescriptor& field, std::span<const std::int64_t> a,
                       std::span<const std::int64_t> b, Fx t, std::span<std::int64_t> out);

struct InterpolationView {
  bool valid = false;         // false until the first sample
  bool extrapolated = false;  // the render time is past the newest sample
  Fx extrapolated_ticks;      // how far past it the values were carried (at most the bound)
};

class ComponentInterpolator {
 public:
  // max_extrapolation_ticks: how far past the newest sample values keep moving; capacity: how
  // many samples are kept (the oldest go first).
  explicit ComponentInterpolator(replication::ComponentType type,
                                 Fx max_extrapolation_ticks = Fx::from_int(5),
                                 std::size_t capacity = 64);

  // The component's raw values (type().slots() of them) as of server tick `tick`. Samples may
  // arrive out of order; a tick already held is ignored.
  // Errors: kInvalidArgument (a row of another length than the component's slots).
  Status add(std::uint32_t tick, std::span<const std::int64_t> raw);

  // The values at a fractional render tick into `out` (type().slots() values). Before the oldest
  // sample, the oldest sample's values.
  InterpolationView view_at(Fx render_tick, std::span<std::int64_t> out) const;

  const replication::ComponentType& type() const { return type_; }
  std::size_t size() const { return samples_.size(); }
  std::uint32_t newest_tick() const { return samples_.empty() ? 0 : samples_.back().tick; }

 private:
  struct Sample {
    std::uint32_t tick = 0;
    std::vector<std::int64_t> raw;
  };
  void blend(const Sample& a, const Sample& b, Fx t, std::span<std::int64_t> out) const;

  replication::ComponentType type_;
  Fx max_extrapolation_;
  std::size_t capacity_;
  std::deque<Sample> samples_;  // sorted by tick
};

}  // namespace theta_net::netcode
