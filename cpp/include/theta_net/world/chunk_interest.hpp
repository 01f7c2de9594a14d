// Which chunks one client should hold, and in what order to send them: every chunk within the
// view radius of the player's chunk (a square in x/z, every height), nearest first; chunks beyond
// the radius plus a hysteresis margin are unloaded, so walking along a border does not make a
// chunk flicker in and out. Sans-I/O: the server asks for the next chunks to send and reports what
// it sent.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "theta_net/world/chunk_geometry.hpp"

namespace theta_net::world {

struct ChunkInterestConfig {
  std::int32_t view_radius = 4;  // chunks, in x and z (Chebyshev distance)
  std::int32_t unload_margin = 1;
  std::int32_t min_chunk_y = 0;  // the world's height in chunks
  std::int32_t max_chunk_y = 7;
};

class ChunkInterest {
 public:
  explicit ChunkInterest(ChunkInterestConfig config = {}) : config_(config) {}

  // The player is in chunk `center`. Returns the chunks to unload (held, now too far away).
  std::vector<ChunkPos> move_to(ChunkPos center);
  // Up to `max` wanted chunks not yet sent, nearest first (ties in ChunkPos order).
  std::vector<ChunkPos> next_to_send(std::size_t max) const;
  void mark_sent(ChunkPos pos);

  bool holds(ChunkPos pos) const { return held_.count(pos) != 0; }
  const std::set<ChunkPos>& held() const { return held_; }
  std::size_t wanted() const;
  ChunkPos center() const { return center_; }

 private:
  bool in_view(ChunkPos pos, std::int32_t radius) const;
  void order_view() const;

  ChunkInterestConfig config_;
  ChunkPos center_{};
  bool placed_ = false;
  std::set<ChunkPos> held_;
  std::size_t held_in_view_ = 0;  // held chunks within the view radius (and the height)
  // The view in sending order for ordered_center_, and how far every chunk is held.
  mutable std::vector<ChunkPos> order_;
  mutable std::size_t cursor_ = 0;
  mutable ChunkPos ordered_center_{};
  mutable bool ordered_ = false;
};

}  // namespace theta_net::world
