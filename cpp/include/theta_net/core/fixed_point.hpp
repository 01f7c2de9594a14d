// Fixed-point numbers for the deterministic simulation. Floating point is reproducible on one
// machine, but FMA contraction, x87 excess precision and libm differences make it drift across
// compilers and CPUs; integers do not. Fixed<F> stores value * 2^F in an int64.
//
// Rounding rules (the same everywhere): multiplication and division round toward negative
// infinity (arithmetic shift, floor division); conversion from double rounds to nearest.
// Overflow of the int64 representation is the caller's responsibility (Fx = Fixed<16> spans
// +-1.4e14, far beyond any voxel world).
#pragma once

#include <compare>
#include <cstdint>

#include "theta_net/core/int128.hpp"
#include "theta_net/core/integer_math.hpp"

namespace theta_net {

template <int FracBits>
class Fixed {
  static_assert(FracBits > 0 && FracBits < 32, "fraction bits must be in 1..31");

 public:
  static constexpr int kFracBits = FracBits;
  static constexpr std::int64_t kOne = std::int64_t{1} << FracBits;

  constexpr Fixed() = default;
  static constexpr Fixed from_raw(std::int64_t raw) { return Fixed(raw, RawTag{}); }
  static constexpr Fixed from_int(std::int64_t v) { return from_raw(v * kOne); }
  // num / den, rounded toward negative infinity; den must not be 0.
  static constexpr Fixed from_ratio(std::int64_t num, std::int64_t den) {
    return from_raw(floor_quotient(static_cast<int128_t>(num) * kOne, den));
  }
  // For configuration and tests only: simulation code never touches doubles.
  static constexpr Fixed from_double(double v) {
    const double scaled = v * static_cast<double>(kOne);
    return from_raw(static_cast<std::int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5));
  }

  constexpr std::int64_t raw() const { return raw_; }
  constexpr double to_double() const { return static_cast<double>(raw_) / kOne; }
  constexpr std::int64_t floor() const { return raw_ >> FracBits; }
  constexpr std::int64_t round() const { return (raw_ + kOne / 2) >> FracBits; }

  constexpr Fixed operator+(Fixed o) const { return from_raw(raw_ + o.raw_); }
  constexpr Fixed operator-(Fixed o) const { return from_raw(raw_ - o.raw_); }
  constexpr Fixed operator-() const { return from_raw(-raw_); }
  constexpr Fixed operator*(Fixed o) const {
    return from_raw(static_cast<std::int64_t>((static_cast<int128_t>(raw_) * o.raw_) >> FracBits));
  }
  constexpr Fixed operator/(Fixed o) const {
    return from_raw(floor_quotient(static_cast<int128_t>(raw_) * kOne, o.raw_));
  }
  constexpr Fixed operator*(std::int64_t k) const { return from_raw(raw_ * k); }
  constexpr Fixed& operator+=(Fixed o) { return *this = *this + o; }
  constexpr Fixed& operator-=(Fixed o) { return *this = *this - o; }
  constexpr Fixed& operator*=(Fixed o) { return *this = *this * o; }

  constexpr auto operator<=>(const Fixed&) const = default;

  constexpr Fixed abs() const { return raw_ < 0 ? -*this : *this; }
  // Square root rounded down; negative inputs give 0.
  constexpr Fixed sqrt() const {
    if (raw_ <= 0) return Fixed{};
    return from_raw(
        static_cast<std::int64_t>(isqrt<uint128_t>(static_cast<uint128_t>(raw_) << FracBits)));
  }

 private:
  struct RawTag {};
  constexpr Fixed(std::int64_t raw, RawTag) : raw_(raw) {}

  // An exact 128-bit quotient that fits the int64 representation.
  static constexpr std::int64_t floor_quotient(int128_t num, std::int64_t den) {
    return static_cast<std::int64_t>(floor_div<int128_t>(num, den));
  }

  std::int64_t raw_ = 0;
};

// The simulation's default scalar: 1/65536 block resolution.
using Fx = Fixed<16>;

}  // namespace theta_net
