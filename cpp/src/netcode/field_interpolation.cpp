#include "theta_net/netcode/field_interpolation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "theta_net/core/int128.hpp"
#include "theta_net/core/integer_math.hpp"

namespace theta_net::netcode {
namespace {

using replication::FieldKind;

constexpr std::int64_t kTurn = 65536;  // angle raw units per turn

// a + (b - a) * t, floored, without overflow for any raw values.
std::int64_t lerp_raw(std::int64_t a, std::int64_t b, Fx t) {
  const int128_t d = static_cast<int128_t>(b) - a;
  const int128_t step = floor_div<int128_t>(d * t.raw(), Fx::kOne);
  const int128_t v = static_cast<int128_t>(a) + step;
  const int128_t lo = std::numeric_limits<std::int64_t>::min();
  const int128_t hi = std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(std::clamp(v, lo, hi));
}

std::int64_t wrap_turn(std::int64_t v) {
  const std::int64_t m = v % kTurn;
  return m < 0 ? m + kTurn : m;
}

void slerp(std::span<const std::int64_t> a, std::span<const std::int64_t> b, Fx t,
           std::span<std::int64_t> out) {
  double qa[4], qb[4];
  double dot = 0;
  for (int i = 0; i < 4; ++i) {
    qa[i] = static_cast<double>(a[static_cast<std::size_t>(i)]) / Fx::kOne;
    qb[i] = static_cast<double>(b[static_cast<std::size_t>(i)]) / Fx::kOne;
    dot += qa[i] * qb[i];
  }
  if (dot < 0) {  // q and -q are one rotation: go the shorter way
    for (double& c : qb) c = -c;
    dot = -dot;
  }
  const double s = t.to_double();
  double wa = 1 - s, wb = s;
  if (dot < 0.9995) {  // far enough apart for the angle to be well conditioned
    const double theta = std::acos(std::min(dot, 1.0));
    const double sin_theta = std::sin(theta);
    wa = std::sin((1 - s) * theta) / sin_theta;
    wb = std::sin(s * theta) / sin_theta;
  }
  double q[4], norm = 0;
  for (int i = 0; i < 4; ++i) {
    q[i] = wa * qa[i] + wb * qb[i];
    norm += q[i] * q[i];
  }
  norm = std::sqrt(norm);
  for (int i = 0; i < 4; ++i) {
    const double c = norm > 0 ? q[i] / norm : (i == 3 ? 1.0 : 0.0);
    out[static_cast<std::size_t>(i)] = std::llround(c * Fx::kOne);
  }
}

}  // namespace

void interpolate_field(const replication::FieldDescriptor& field, std::span<const std::int64_t> a,
                       std::span<const std::int64_t> b, Fx t, std::span<std::int64_t> out) {
  switch (field.kind) {
    case FieldKind::kFixed:
      out[0] = std::clamp(lerp_raw(a[0], b[0], t), field.min, field.max);
      return;
    case FieldKind::kAngle: {
      // Both into one turn first (raw angles may be any int64), then the difference the short
      // way round, in [-half turn, half turn).
      const std::int64_t from = wrap_turn(a[0]);
      const std::int64_t d = wrap_turn(wrap_turn(b[0]) - from + kTurn / 2) - kTurn / 2;
      out[0] = wrap_turn(lerp_raw(from, from + d, t));
      return;
    }
    case FieldKind::kQuaternion:
      slerp(a, b, t, out);
      return;
    case FieldKind::kBool:
    case FieldKind::kInteger:
      out[0] = t < Fx::from_int(1) ? a[0] : b[0];
      return;
  }
}

ComponentInterpolator::ComponentInterpolator(replication::ComponentType type,
                                             Fx max_extrapolation_ticks, std::size_t capacity)
    : type_(std::move(type)),
      max_extrapolation_(std::max(max_extrapolation_ticks, Fx{})),
      capacity_(std::max<std::size_t>(capacity, 2)) {}

Status ComponentInterpolator::add(std::uint32_t tick, std::span<const std::int64_t> raw) {
  if (raw.size() != static_cast<std::size_t>(type_.slots())) {
    return make_error(ErrorCode::kInvalidArgument, "component '", type_.name(), "' has ",
                      type_.slots(), " values, not ", raw.size());
  }
  auto at = std::lower_bound(samples_.begin(), samples_.end(), tick,
                             [](const Sample& s, std::uint32_t t) { return s.tick < t; });
  if (at != samples_.end() && at->tick == tick) return {};                // a repeat
  if (samples_.size() >= capacity_ && at == samples_.begin()) return {};  // older than all kept
  samples_.insert(at, Sample{tick, std::vector<std::int64_t>(raw.begin(), raw.end())});
  while (samples_.size() > capacity_) samples_.pop_front();
  return {};
}

void ComponentInterpolator::blend(const Sample& a, const Sample& b, Fx t,
                                  std::span<std::int64_t> out) const {
  for (std::size_t f = 0; f < type_.fields().size(); ++f) {
    const auto at = static_cast<std::size_t>(type_.slot_of(f));
    const auto n = static_cast<std::size_t>(type_.fields()[f].slots());
    interpolate_field(type_.fields()[f], std::span(a.raw).subspan(at, n),
                      std::span(b.raw).subspan(at, n), t, out.subspan(at, n));
  }
}

InterpolationView ComponentInterpolator::view_at(Fx render_tick,
                                                 std::span<std::int64_t> out) const {
  InterpolationView view;
  if (samples_.empty() || out.size() != static_cast<std::size_t>(type_.slots())) return view;
  view.valid = true;
  const Sample& newest = samples_.back();
  if (render_tick >= Fx::from_int(newest.tick)) {
    if (samples_.size() < 2) {
      std::copy(newest.raw.begin(), newest.raw.end(), out.begin());
      return view;
    }
    const Sample& before = samples_[samples_.size() - 2];
    const Fx late = std::min(render_tick - Fx::from_int(newest.tick), max_extrapolation_);
    view.extrapolated = late > Fx{};
    view.extrapolated_ticks = late;
    const Fx span = Fx::from_int(newest.tick - before.tick);
    blend(before, newest, Fx::from_int(1) + late / span, out);
    return view;
  }
  if (render_tick <= Fx::from_int(samples_.front().tick)) {
    std::copy(samples_.front().raw.begin(), samples_.front().raw.end(), out.begin());
    return view;
  }
  // The first sample after the render time, and the one before it.
  auto after = std::upper_bound(samples_.begin(), samples_.end(), render_tick,
                                [](Fx t, const Sample& s) { return t < Fx::from_int(s.tick); });
  const Sample& b = *after;
  const Sample& a = *(after - 1);
  const Fx t = (render_tick - Fx::from_int(a.tick)) / Fx::from_int(b.tick - a.tick);
  blend(a, b, t, out);
  return view;
}

}  // namespace theta_net::netcode
