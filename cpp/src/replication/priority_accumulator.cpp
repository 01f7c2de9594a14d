#include "theta_net/replication/priority_accumulator.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace theta_net::replication {

std::uint64_t PriorityAccumulator::weight(const PriorityCandidate& c) const {
  const std::uint64_t distance = config_.distance_scale / (1 + std::uint64_t{c.distance});
  const std::uint64_t change =
      c.lifecycle
          ? config_.lifecycle_factor
          : std::min<std::uint64_t>(config_.max_change_factor,
                                    1 + static_cast<std::uint64_t>(std::bit_width(c.magnitude)));
  return std::max<std::uint64_t>(1, distance * change);
}

std::vector<std::size_t> PriorityAccumulator::accumulate(
    std::span<const PriorityCandidate> candidates) {
  std::unordered_map<EntityId, std::uint64_t> next;
  next.reserve(candidates.size());
  std::vector<std::uint64_t> priority(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto it = accumulated_.find(candidates[i].id);
    const std::uint64_t before = it == accumulated_.end() ? 0 : it->second;
    const std::uint64_t w = weight(candidates[i]);
    priority[i] = before > std::numeric_limits<std::uint64_t>::max() - w
                      ? std::numeric_limits<std::uint64_t>::max()
                      : before + w;
    next[candidates[i].id] = priority[i];
  }
  accumulated_ = std::move(next);
  std::vector<std::size_t> order(candidates.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (priority[a] != priority[b]) return priority[a] > priority[b];
    return candidates[a].id < candidates[b].id;
  });
  return order;
}

std::uint64_t PriorityAccumulator::priority(EntityId id) const {
  const auto it = accumulated_.find(id);
  return it == accumulated_.end() ? 0 : it->second;
}

}  // namespace theta_net::replication
