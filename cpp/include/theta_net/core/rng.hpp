// The deterministic random generator behind every random choice in theta_net (SimNet loss and
// jitter, terrain noise seeds, scenario scripts). The algorithm is fixed and documented so the
// same seed gives the same sequence on every machine, compiler and build type:
//
//   seeding:  SplitMix64 (Steele, Lea & Flood 2014) expands the 64-bit seed into 4 state words;
//   output:   xoshiro256** 1.0 (Blackman & Vigna 2018);
//   bounded:  uniform(n) uses Lemire's multiply-shift with rejection (exact, no modulo bias);
//   reals:    next_double() = (next_u64() >> 11) * 2^-53, in [0, 1).
//
// std::mt19937 would be reproducible too, but std::uniform_int_distribution and friends are not
// specified bit-for-bit across standard libraries, so theta_net never uses them.
#pragma once

#include <array>
#include <cstdint>

namespace theta_net {

// One step of SplitMix64: advances `state` and returns the mixed output.
std::uint64_t splitmix64_next(std::uint64_t& state);

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);
  // A generator with an explicit xoshiro256** state (not all zero), for reference vectors.
  static Rng from_state(const std::array<std::uint64_t, 4>& state);

  std::uint64_t next_u64();
  std::uint32_t next_u32() { return static_cast<std::uint32_t>(next_u64() >> 32); }
  // Uniform in [0, bound); bound must be > 0.
  std::uint64_t uniform(std::uint64_t bound);
  // Uniform in [lo, hi] inclusive; requires lo <= hi.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  double next_double();
  // True with probability p (p <= 0 never, p >= 1 always).
  bool chance(double p);

  // A generator for an independent stream, derived from this one's seed and `stream` without
  // advancing this one: SimNet gives each link and each purpose its own stream, so adding a
  // random draw in one place does not shift every other random sequence.
  Rng fork(std::uint64_t stream) const;

  std::uint64_t seed() const { return seed_; }
  const std::array<std::uint64_t, 4>& state() const { return s_; }

 private:
  std::uint64_t seed_;
  std::array<std::uint64_t, 4> s_;
};

}  // namespace theta_net
