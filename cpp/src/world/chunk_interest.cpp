#include "theta_net/world/chunk_interest.hpp"

#include <algorithm>
#include <cstdlib>

namespace theta_net::world {

bool ChunkInterest::in_view(ChunkPos pos, std::int32_t radius) const {
  return std::abs(pos.x - center_.x) <= radius && std::abs(pos.z - center_.z) <= radius;
}

std::vector<ChunkPos> ChunkInterest::move_to(ChunkPos center) {
  center_ = center;
  placed_ = true;
  std::vector<ChunkPos> unload;
  for (auto it = held_.begin(); it != held_.end();) {
    if (!in_view(*it, config_.view_radius + config_.unload_margin)) {
      unload.push_back(*it);
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  return unload;
}

std::vector<ChunkPos> ChunkInterest::next_to_send(std::size_t max) const {
  if (!placed_ || max == 0) return {};
  // Rings of growing distance from the centre; inside a ring, ChunkPos order. The player's own
  // height comes first within a column's distance (vertical distance breaks ties).
  struct Candidate {
    std::int64_t distance;
    ChunkPos pos;
  };
  std::vector<Candidate> candidates;
  const std::int32_t r = config_.view_radius;
  for (std::int32_t dx = -r; dx <= r; ++dx) {
    for (std::int32_t dz = -r; dz <= r; ++dz) {
      for (std::int32_t y = config_.min_chunk_y; y <= config_.max_chunk_y; ++y) {
        const ChunkPos pos{center_.x + dx, y, center_.z + dz};
        if (held_.count(pos)) continue;
        const std::int64_t dy = y - center_.y;
        candidates.push_back({std::int64_t{dx} * dx + std::int64_t{dz} * dz + dy * dy, pos});
      }
    }
  }
  const std::size_t n = std::min(max, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                    candidates.end(), [](const Candidate& a, const Candidate& b) {
                      return a.distance != b.distance ? a.distance < b.distance : a.pos < b.pos;
                    });
  std::vector<ChunkPos> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(candidates[i].pos);
  return out;
}

std::size_t ChunkInterest::wanted() const {
  const auto side = static_cast<std::size_t>(2 * config_.view_radius + 1);
  return side * side * static_cast<std::size_t>(config_.max_chunk_y - config_.min_chunk_y + 1);
}

}  // namespace theta_net::world
