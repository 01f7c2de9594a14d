// Integer value noise for the terrain generator. Everything is 64-bit integer arithmetic on
// world coordinates (no floating point, no libm), so the same seed and position give the same
// value on every machine, compiler and build type.
#pragma once

#include <cstdint>

namespace theta_net::world::noise {

// A well-mixed 64-bit hash of a seed, a purpose and up to three coordinates (SplitMix64's
// finaliser over a multiply-combined key).
constexpr std::uint64_t hash(std::uint64_t seed, std::uint64_t salt, std::int64_t x,
                             std::int64_t y = 0, std::int64_t z = 0) {
  std::uint64_t h = seed ^ (salt * 0x9E3779B97F4A7C15ull);
  for (const std::int64_t v : {x, y, z}) {
    h ^= static_cast<std::uint64_t>(v) + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 31;
  }
  return h;
}

inline constexpr int kOne = 1 << 16;  // fixed point: 1.0 in Q16

// floor(v / 2^shift) and the remainder, for negative coordinates too.
constexpr std::int64_t floor_shift(std::int64_t v, int shift) {
  return v >> shift;  // arithmetic shift of a signed value is floor division (C++20)
}

// 3t^2 - 2t^3 for t in [0, kOne) (Q16): eases the lattice so its cells do not show.
constexpr std::int64_t smoothstep(std::int64_t t) {
  return (t * t >> 16) * (3 * kOne - 2 * t) >> 16;
}

constexpr std::int64_t lerp(std::int64_t a, std::int64_t b, std::int64_t t) {
  return a + ((b - a) * t >> 16);
}

// Lattice value in [0, kOne).
constexpr std::int64_t corner(std::uint64_t seed, std::uint64_t salt, std::int64_t x,
                              std::int64_t y, std::int64_t z) {
  return static_cast<std::int64_t>(hash(seed, salt, x, y, z) >> 48);
}

// 2D value noise in [0, kOne) with a lattice every 2^shift blocks.
constexpr std::int64_t value2(std::uint64_t seed, std::uint64_t salt, std::int64_t x,
                              std::int64_t z, int shift) {
  const std::int64_t cx = floor_shift(x, shift), cz = floor_shift(z, shift);
  const std::int64_t tx = smoothstep((x - (cx << shift)) << (16 - shift));
  const std::int64_t tz = smoothstep((z - (cz << shift)) << (16 - shift));
  const std::int64_t a = lerp(corner(seed, salt, cx, 0, cz), corner(seed, salt, cx + 1, 0, cz), tx);
  const std::int64_t b =
      lerp(corner(seed, salt, cx, 0, cz + 1), corner(seed, salt, cx + 1, 0, cz + 1), tx);
  return lerp(a, b, tz);
}

// 3D value noise in [0, kOne) with a lattice every 2^shift blocks.
constexpr std::int64_t value3(std::uint64_t seed, std::uint64_t salt, std::int64_t x,
                              std::int64_t y, std::int64_t z, int shift) {
  const std::int64_t cx = floor_shift(x, shift), cy = floor_shift(y, shift),
                     cz = floor_shift(z, shift);
  const std::int64_t tx = smoothstep((x - (cx << shift)) << (16 - shift));
  const std::int64_t ty = smoothstep((y - (cy << shift)) << (16 - shift));
  const std::int64_t tz = smoothstep((z - (cz << shift)) << (16 - shift));
  std::int64_t layer[2];
  for (int dy = 0; dy < 2; ++dy) {
    const std::int64_t a =
        lerp(corner(seed, salt, cx, cy + dy, cz), corner(seed, salt, cx + 1, cy + dy, cz), tx);
    const std::int64_t b = lerp(corner(seed, salt, cx, cy + dy, cz + 1),
                                corner(seed, salt, cx + 1, cy + dy, cz + 1), tx);
    layer[dy] = lerp(a, b, tz);
  }
  return lerp(layer[0], layer[1], ty);
}

}  // namespace theta_net::world::noise
