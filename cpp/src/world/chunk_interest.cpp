#include "theta_net/world/chunk_interest.hpp"

#include <algorithm>
#include <cstdlib>

namespace theta_net::world {

bool ChunkInterest::in_view(ChunkPos pos, std::int32_t radius) const {
  return std::abs(pos.x - center_.x) <= radius && std::abs(pos.z - center_.z) <= radius;
}

std::vector<ChunkPos> ChunkInterest::move_to(ChunkPos center) {
  // Most ticks the player stays in its column: nothing leaves the view (which spans every
  // height), and the held chunks need not be looked at.
  const bool same_column = placed_ && center.x == center_.x && center.z == center_.z;
  center_ = center;
  placed_ = true;
  if (same_column) return {};
  std::vector<ChunkPos> unload;
  held_in_view_ = 0;
  for (auto it = held_.begin(); it != held_.end();) {
    if (!in_view(*it, config_.view_radius + config_.unload_margin)) {
      unload.push_back(*it);
      it = held_.erase(it);
    } else {
      if (in_view(*it, config_.view_radius)) ++held_in_view_;
      ++it;
    }
  }
  return unload;
}

void ChunkInterest::mark_sent(ChunkPos pos) {
  if (held_.insert(pos).second && placed_ && in_view(pos, config_.view_radius) &&
      pos.y >= config_.min_chunk_y && pos.y <= config_.max_chunk_y) {
    ++held_in_view_;
  }
}

void ChunkInterest::order_view() const {
  // Rings of growing distance from the centre; inside a ring, ChunkPos order. The player's own
  // height comes first within a column's distance (vertical distance breaks ties). Made once per
  // centre: between moves the held set only grows, so a cursor past the held prefix is enough.
  struct Candidate {
    std::int64_t distance;
    ChunkPos pos;
  };
  std::vector<Candidate> candidates;
  candidates.reserve(wanted());
  const std::int32_t r = config_.view_radius;
  for (std::int32_t dx = -r; dx <= r; ++dx) {
    for (std::int32_t dz = -r; dz <= r; ++dz) {
      for (std::int32_t y = config_.min_chunk_y; y <= config_.max_chunk_y; ++y) {
        const std::int64_t dy = y - center_.y;
        candidates.push_back({std::int64_t{dx} * dx + std::int64_t{dz} * dz + dy * dy,
                              ChunkPos{center_.x + dx, y, center_.z + dz}});
      }
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.pos < b.pos;
  });
  order_.clear();
  for (const Candidate& c : candidates) order_.push_back(c.pos);
  cursor_ = 0;
  ordered_center_ = center_;
  ordered_ = true;
}

std::vector<ChunkPos> ChunkInterest::next_to_send(std::size_t max) const {
  // Once the whole view is held (most ticks of a player not crossing a chunk border), there is
  // nothing to look for.
  if (!placed_ || max == 0 || held_in_view_ >= wanted()) return {};
  if (!ordered_ || !(ordered_center_ == center_)) order_view();
  while (cursor_ < order_.size() && held_.count(order_[cursor_])) ++cursor_;
  std::vector<ChunkPos> out;
  for (std::size_t i = cursor_; i < order_.size() && out.size() < max; ++i) {
    if (!held_.count(order_[i])) out.push_back(order_[i]);
  }
  return out;
}

std::size_t ChunkInterest::wanted() const {
  const auto side = static_cast<std::size_t>(2 * config_.view_radius + 1);
  return side * side * static_cast<std::size_t>(config_.max_chunk_y - config_.min_chunk_y + 1);
}

}  // namespace theta_net::world
