// A replicated field's raw values in Python's natural units, in one place for every binding:
// fixed fields and positions in blocks (units), angles in degrees, quaternion components as
// floats, integers as integers, bools as 0/1. Raw values are Fx raw units (angles: 1/65536 turn).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "border.hpp"
#include "theta_net/core/fixed_point.hpp"
#include "theta_net/replication/field_descriptor.hpp"

namespace theta_net::bindings {

inline constexpr double kFxScale = 65536.0;

// Raw units per natural unit of a field of this kind.
inline double raw_per_unit(replication::FieldKind kind) {
  switch (kind) {
    case replication::FieldKind::kAngle:
      return kFxScale / 360.0;
    case replication::FieldKind::kFixed:
    case replication::FieldKind::kQuaternion:
      return kFxScale;
    case replication::FieldKind::kBool:
    case replication::FieldKind::kInteger:
      return 1.0;
  }
  return 1.0;
}

// `what` names the value in the error a non-finite or unrepresentable value raises (out_of_range,
// as the class of theta_net.errors that `kind` names).
inline std::int64_t scaled_to_raw(double v, double scale, const std::string& what,
                                  ErrorKind kind = ErrorKind::kReplication) {
  const double scaled = v * scale;
  if (!std::isfinite(scaled) || std::abs(scaled) > 9.0e18) {
    throw BorderError(kind, make_error(ErrorCode::kOutOfRange, what, ": value ", v,
                                       " is not a finite, representable number"));
  }
  return std::llround(scaled);
}

inline std::int64_t natural_to_raw(replication::FieldKind kind, double v, const std::string& what,
                                   ErrorKind error_kind = ErrorKind::kReplication) {
  if (kind == replication::FieldKind::kBool) return v != 0.0;
  return scaled_to_raw(v, raw_per_unit(kind), what, error_kind);
}

// A number of blocks or ticks from Python as fixed point, checked as above.
inline Fx fx_from_python(double v, const std::string& what, ErrorKind kind = ErrorKind::kError) {
  return Fx::from_raw(scaled_to_raw(v, kFxScale, what, kind));
}

inline double raw_to_natural(replication::FieldKind kind, std::int64_t raw) {
  return static_cast<double>(raw) / raw_per_unit(kind);
}

}  // namespace theta_net::bindings
