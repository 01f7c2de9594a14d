// Causal neighbourhood of a voxel in Y,Z,X scan order, shared by every coder.
//
// A voxel is predicted from a = (x-1), b = (z-1), c = (y-1):  pred = (b == c) ? b : a.
// (When b == c they outvote a; otherwise a is at least tied for the majority.)
// Missing neighbours at the box faces are substituted so that every voxel has a full
// neighbourhood: the first row of the first layer sees a virtual row filled with palette index 0,
// rows with z == 0 use the row below as "b", the layer y == 0 uses the row behind as "c", and
// x == 0 uses b[0] as "a". The diagonal f = (y-1, z-1) falls back to b the same way.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hot_path.hpp"
#include "theta_net/codec/chunk_dims.hpp"

namespace theta_net::codec {

inline std::uint16_t predict(std::uint16_t a, std::uint16_t b, std::uint16_t c) {
  return b == c ? b : a;
}

// Flat voxels (a == b == c) are ~80% of terrain and almost always predicted right; the others
// sit on material boundaries and miss about a third of the time. The fast preset keeps one run
// length per group.
inline bool is_flat(std::uint16_t a, std::uint16_t b, std::uint16_t c) {
  return a == b && b == c;
}

// Equality pattern (a==b) | (a==c)<<1 | (b==c)<<2: one of 0, 1, 2, 4, 7.
inline unsigned neighbour_pattern(std::uint16_t a, std::uint16_t b, std::uint16_t c) {
  return unsigned{a == b} | (unsigned{a == c} << 1) | (unsigned{b == c} << 2);
}
inline constexpr unsigned kNumPatterns = 8;
inline constexpr unsigned kPatternFlat = 7;

// Rows of causal neighbours for the row (y, z): b = (y, z-1), c = (y-1, z), f = (y-1, z-1).
struct NeighbourRows {
  const std::uint16_t* b;
  const std::uint16_t* c;
  const std::uint16_t* f;
};

// `virtual_row` must hold dims.x copies of the value that stands for palette index 0.
inline NeighbourRows neighbour_rows(const std::uint16_t* volume, ChunkDims d, std::uint32_t y,
                                    std::uint32_t z, const std::uint16_t* virtual_row) {
  const std::size_t row_len = d.x, layer_len = std::size_t{d.z} * d.x;
  const std::uint16_t* row = volume + y * layer_len + z * row_len;
  if (y > 0 && z > 0) return {row - row_len, row - layer_len, row - layer_len - row_len};
  if (z > 0) return {row - row_len, row - row_len, row - row_len};
  if (y > 0) return {row - layer_len, row - layer_len, row - layer_len};
  return {virtual_row, virtual_row, virtual_row};
}

// Candidates for a mispredicted voxel: the distinct values other than `pred` among its
// neighbours, in a fixed order -- the outvoted members of {a, b, c} first, then the diagonal
// neighbours (x-1 and x+1 in the rows b and c, and f). The coders use the first three; a voxel
// matching none of them is sent as a palette index. Only evaluated on misses.
inline constexpr unsigned kMaxCandidates = 3;

// Calls stop(value, rank) for each candidate in order until it returns true or three were seen.
template <class Stop>
inline void for_each_candidate(const NeighbourRows& r, std::uint32_t x, std::uint32_t width,
                               std::uint16_t a, std::uint16_t pred, Stop&& stop) {
  std::uint16_t seen[kMaxCandidates];
  unsigned n = 0;
  auto offer = [&](std::uint16_t value) {  // true: done
    if (value == pred) return false;
    for (unsigned i = 0; i < n; ++i)
      if (seen[i] == value) return false;
    seen[n] = value;
    const unsigned rank = n++;
    return stop(value, rank) || n == kMaxCandidates;
  };
  if (offer(a) || offer(r.b[x]) || offer(r.c[x])) return;
  if (x > 0 && (offer(r.b[x - 1]) || offer(r.c[x - 1]))) return;
  if (offer(r.f[x])) return;
  if (x + 1 < width && !offer(r.b[x + 1])) offer(r.c[x + 1]);
}

// The first candidate (rank 0), or 0x10000 if there is none: the first neighbour in candidate
// order that differs from `pred`. Branch-free, since it is the common case of a miss.
inline std::uint32_t first_candidate(const NeighbourRows& r, std::uint32_t x, std::uint32_t width,
                                     std::uint16_t a, std::uint16_t pred) {
  // Missing diagonals at the row ends read as `pred` (skipped); the loads stay in bounds.
  const std::uint32_t left = x > 0 ? x - 1 : x, right = x + 1 < width ? x + 1 : x;
  std::uint32_t found = 0x10000;
  // A select chain from the last candidate to the first, as conditional moves.
  auto keep_if_differs = [&](std::uint32_t value) { found = select(value != pred, value, found); };
  keep_if_differs(select(right != x, r.c[right], pred));
  keep_if_differs(select(right != x, r.b[right], pred));
  keep_if_differs(r.f[x]);
  keep_if_differs(select(left != x, r.c[left], pred));
  keep_if_differs(select(left != x, r.b[left], pred));
  keep_if_differs(r.c[x]);
  keep_if_differs(r.b[x]);
  keep_if_differs(a);
  return found;
}

// Whether `value` is the first candidate; stops at the first neighbour that differs from
// `pred` (usually a, b or c), so the encoder rarely looks at the diagonals.
inline bool is_first_candidate(const NeighbourRows& r, std::uint32_t x, std::uint32_t width,
                               std::uint16_t a, std::uint16_t pred, std::uint16_t value) {
  if (a != pred) return a == value;
  if (r.b[x] != pred) return r.b[x] == value;
  if (r.c[x] != pred) return r.c[x] == value;
  return first_candidate(r, x, width, a, pred) == value;
}

// The candidate of the given rank, or 0x10000 if there are fewer.
inline std::uint32_t candidate_at(const NeighbourRows& r, std::uint32_t x, std::uint32_t width,
                                  std::uint16_t a, std::uint16_t pred, unsigned rank) {
  std::uint32_t found = 0x10000;
  for_each_candidate(r, x, width, a, pred, [&](std::uint16_t value, unsigned k) {
    if (k != rank) return false;
    found = value;
    return true;
  });
  return found;
}

// The rank of `value` among the candidates, or kMaxCandidates if it is none of them.
inline unsigned candidate_rank(const NeighbourRows& r, std::uint32_t x, std::uint32_t width,
                               std::uint16_t a, std::uint16_t pred, std::uint16_t value) {
  unsigned found = kMaxCandidates;
  for_each_candidate(r, x, width, a, pred, [&](std::uint16_t v, unsigned k) {
    if (v != value) return false;
    found = k;
    return true;
  });
  return found;
}

}  // namespace theta_net::codec
