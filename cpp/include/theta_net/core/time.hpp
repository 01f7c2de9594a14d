// The library's one time type. Every layer takes time as a parameter (DESIGN.md: sans-I/O); only
// transport/, the session drivers, bench/ and the bindings read a clock, and a layering test
// keeps it so.
//
//   Micros  a span of time, or an instant as the span since the driver's origin (the session's
//           start, or SimNet's zero). std::chrono's microseconds: arithmetic and comparisons are
//           exact integers, so virtual time replays bit for bit, and mixing it with a bare
//           integer does not compile.
//   Nanos   the same family at the transport's resolution (QUIC timers and SimNet's queue count
//           nanoseconds). Micros converts to it exactly and implicitly; the other way truncates
//           and must be spelled (to_micros).
//
// Python sees time as float seconds, converted in one place (cpp/bindings/time_caster.hpp) with
// to_seconds/from_seconds below. Wire messages carry integer microseconds (count()).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>

namespace theta_net {

using Micros = std::chrono::microseconds;
using Nanos = std::chrono::nanoseconds;

// A whole number of microseconds from a wire field or a config value.
constexpr Micros micros(std::uint64_t us) {
  return Micros(static_cast<Micros::rep>(us));
}
// Microseconds as the unsigned count that wire messages carry (negative spans clamp to 0).
constexpr std::uint64_t count_us(Micros t) {
  return t.count() > 0 ? static_cast<std::uint64_t>(t.count()) : 0;
}
// Truncates a transport time to microseconds.
constexpr Micros to_micros(Nanos t) {
  return std::chrono::duration_cast<Micros>(t);
}

constexpr double to_seconds(Micros t) {
  return static_cast<double>(t.count()) / 1e6;
}
constexpr double to_seconds(Nanos t) {
  return static_cast<double>(t.count()) / 1e9;
}
constexpr double to_milliseconds(Micros t) {
  return static_cast<double>(t.count()) / 1e3;
}

// Seconds to the nearest microsecond; nullopt for NaN, infinities and values beyond the range
// (about 292,000 years), so a border can name the bad input instead of wrapping around.
inline std::optional<Micros> from_seconds(double seconds) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > 9.2e12) return std::nullopt;
  return Micros(std::llround(seconds * 1e6));
}
// The same at the transport's resolution (about 292 years of range).
inline std::optional<Nanos> nanos_from_seconds(double seconds) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > 9.2e9) return std::nullopt;
  return Nanos(std::llround(seconds * 1e9));
}

}  // namespace theta_net
