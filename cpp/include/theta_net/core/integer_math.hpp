// Exact integer rounding helpers for deterministic code (fixed point, quantization, grids):
// division that rounds toward negative or positive infinity, where C++ truncates toward zero,
// and floor(sqrt(n)) without floating point. Templates over the integer type, so the 64-bit
// and the 128-bit (int128.hpp) callers share one definition.
#pragma once

namespace theta_net {

// num / den rounded toward negative infinity; den must not be 0.
template <class Int>
constexpr Int floor_div(Int num, Int den) {
  Int q = num / den;
  if ((num % den != 0) && ((num < 0) != (den < 0))) --q;
  return q;
}

// num / den rounded toward positive infinity; den must not be 0 and -num must not overflow.
template <class Int>
constexpr Int ceil_div(Int num, Int den) {
  return -floor_div<Int>(-num, den);
}

// floor(sqrt(n)) for an unsigned n, bit by bit: exact, and the same on every machine.
template <class UInt>
constexpr UInt isqrt(UInt n) {
  UInt result = 0;
  UInt bit = UInt{1} << (sizeof(UInt) * 8 - 2);  // the highest power of 4 the type holds
  while (bit > n) bit >>= 2;
  while (bit != 0) {
    if (n >= result + bit) {
      n -= result + bit;
      result = (result >> 1) + bit;
    } else {
      result >>= 1;
    }
    bit >>= 2;
  }
  return result;
}

}  // namespace theta_net
