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
    std::span<const PriorityCandidate> candidates, std::size_t ranked) {
  // Candidates come in id order (a diff's order) and the accumulated priorities are kept in id
  // order: one merge adds this round's weights, with no hashing and no allocation once the
  // buffers have grown. Out-of-order candidates (a caller's own list) are sorted first.
  std::span<const PriorityCandidate> in = candidates;
  std::vector<std::size_t> by_id;
  const bool sorted = std::is_sorted(candidates.begin(), candidates.end(),
                                     [](const auto& a, const auto& b) { return a.id < b.id; });
  if (!sorted) {
    by_id.resize(candidates.size());
    for (std::size_t i = 0; i < by_id.size(); ++i) by_id[i] = i;
    std::stable_sort(by_id.begin(), by_id.end(), [&](std::size_t a, std::size_t b) {
      return candidates[a].id < candidates[b].id;
    });
  }
  auto candidate = [&](std::size_t k) -> const PriorityCandidate& {
    return sorted ? in[k] : in[by_id[k]];
  };
  next_.clear();
  next_.reserve(candidates.size());
  std::vector<std::uint64_t> priority(candidates.size());
  std::size_t a = 0;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const PriorityCandidate& c = candidate(k);
    while (a < accumulated_.size() && accumulated_[a].first < c.id) ++a;
    const std::uint64_t before =
        a < accumulated_.size() && accumulated_[a].first == c.id ? accumulated_[a].second : 0;
    const std::uint64_t w = weight(c);
    const std::uint64_t p = before > std::numeric_limits<std::uint64_t>::max() - w
                                ? std::numeric_limits<std::uint64_t>::max()
                                : before + w;
    priority[sorted ? k : by_id[k]] = p;
    // A repeated id keeps its last priority (one entry per id).
    if (!next_.empty() && next_.back().first == c.id) {
      next_.back().second = p;
    } else {
      next_.emplace_back(c.id, p);
    }
  }
  std::swap(accumulated_, next_);
  std::vector<std::size_t> order(candidates.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto before = [&](std::size_t x, std::size_t y) {
    if (priority[x] != priority[y]) return priority[x] > priority[y];
    return candidates[x].id < candidates[y].id;
  };
  if (ranked < order.size()) {
    const auto mid = order.begin() + static_cast<std::ptrdiff_t>(ranked);
    std::nth_element(order.begin(), mid, order.end(), before);
    std::sort(order.begin(), mid, before);
  } else {
    std::sort(order.begin(), order.end(), before);
  }
  return order;
}

void PriorityAccumulator::sent(EntityId id) {
  auto it = std::lower_bound(accumulated_.begin(), accumulated_.end(), id,
                             [](const auto& e, EntityId v) { return e.first < v; });
  if (it != accumulated_.end() && it->first == id) it->second = 0;  // starts again from zero
}

std::uint64_t PriorityAccumulator::priority(EntityId id) const {
  auto it = std::lower_bound(accumulated_.begin(), accumulated_.end(), id,
                             [](const auto& e, EntityId v) { return e.first < v; });
  return it != accumulated_.end() && it->first == id ? it->second : 0;
}

}  // namespace theta_net::replication
