#include "theta_net/replication/client_replicator.hpp"

#include <algorithm>
#include <utility>

namespace theta_net::replication {
namespace {

// How much an entity changed: the summed code differences of its fields (for priority).
std::uint64_t change_magnitude(const WorldState& a, std::size_t i, const WorldState& b,
                               std::size_t j) {
  const auto ra = a.row(i), rb = b.row(j);
  std::uint64_t sum = 0;
  for (std::size_t s = 0; s < ra.size(); ++s) {
    const std::int64_t d = ra[s] - rb[s];
    sum += static_cast<std::uint64_t>(d < 0 ? -d : d);
  }
  return sum;
}

}  // namespace

ClientReplicator::ClientReplicator(std::shared_ptr<const Schema> schema,
                                   ClientReplicatorConfig config)
    : schema_(std::move(schema)),
      config_(config),
      codec_(schema_),
      history_(schema_, config_.history),
      priority_(config_.priority),
      bucket_(config_.bytes_per_second, config_.burst_bytes) {
  config_.max_payload_bytes = std::min(config_.max_payload_bytes, kMaxEntityPayloadBytes);
}

std::optional<protocol::EntityDelta> ClientReplicator::update(
    const WorldState& world, std::span<const VisibleEntity> visible, std::uint32_t server_tick,
    Micros now, std::uint32_t last_input_sequence) {
  if (!due(now)) return std::nullopt;
  const std::uint64_t tokens = bucket_.available(now);
  if (tokens < kEntityPacketOverhead + 8) {
    ++stats_.budget_waits;
    return std::nullopt;
  }
  const std::size_t budget = std::min<std::uint64_t>(
      {config_.max_payload_bytes, payload_cap_, tokens - kEntityPacketOverhead});

  const auto base = history_.baseline();
  const WorldState& baseline = *base.view;
  visible_ids_.clear();
  for (const auto& v : visible) visible_ids_.push_back(v.id);
  const std::span<const EntityId> view(visible_ids_);
  EntityCodec::diff(baseline, world, changes_, &view);

  // Rank the changes. Entities leaving the view have no distance: they rank as near.
  candidates_.clear();
  std::size_t v = 0;
  for (const EntityChange& c : changes_) {
    PriorityCandidate p;
    p.id = c.spawn() ? world.id(c.current) : baseline.id(c.baseline);
    if (!c.despawn()) {
      while (v < visible.size() && visible[v].id < p.id) ++v;
      if (v < visible.size() && visible[v].id == p.id) p.distance = visible[v].distance;
    }
    p.lifecycle = c.spawn() || c.despawn() || baseline.mask(c.baseline) != world.mask(c.current);
    if (!p.lifecycle) p.magnitude = change_magnitude(baseline, c.baseline, world, c.current);
    candidates_.push_back(p);
  }
  // A packet carries at most what its budget holds at one bit per change: only that many need
  // ranking.
  const std::vector<std::size_t> order = priority_.accumulate(candidates_, budget * 8);

  // Find how many of the highest-priority changes fit: guess from the last packet's bytes per
  // entity (aiming at 90% of the budget), then narrow down between what fitted (lo) and what did
  // not (hi), stopping once the packet fills 80% of the budget. Each try is a whole encode, the
  // most expensive step of an update: most updates take one. (What does not fit keeps its
  // priority and goes next time.)
  // The tries' buffers are members: their capacity stays from update to update.
  std::vector<EntityChange>& selected = selected_;
  std::vector<EntityChange>& best_selected = best_selected_;
  Bytes& payload = payload_;
  Bytes best;
  best_selected.clear();
  auto try_first = [&](std::size_t n) {
    picked_.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n));
    std::sort(picked_.begin(), picked_.end());  // changes_ is in id order
    selected.clear();
    for (std::size_t i : picked_) selected.push_back(changes_[i]);
    payload.clear();
    codec_.encode(baseline, world, selected, payload);
    return payload.size();
  };
  const std::size_t ranked = std::min<std::size_t>(order.size(), budget * 8);
  std::size_t lo = 0, hi = ranked + 1;
  const std::size_t aim = budget * 90 / 100;
  std::size_t n =
      std::min(ranked, std::max<std::size_t>(1, aim * kPerEntityScale / sixteenths_per_entity_));
  for (int attempt = 0; attempt < 6 && n > lo && n < hi; ++attempt) {
    const std::size_t size = try_first(n);
    ++stats_.encodes;
    if (size <= budget) {
      lo = n;
      std::swap(best, payload);
      std::swap(best_selected, selected);
      if (n == ranked || size * 100 >= budget * 80) break;
    } else {
      hi = n;
    }
    if (hi - lo <= 1) break;
    n = std::clamp(size > 0 ? n * aim / size : hi - 1, lo + 1, hi - 1);
  }
  if (lo == 0) {  // nothing fits (or nothing changed): an empty update keeps acks flowing
    try_first(0);
    std::swap(best, payload);
    best_selected.clear();
  }
  std::swap(selected, best_selected);
  const std::size_t sent = lo;

  protocol::EntityDelta delta;
  delta.server_tick = server_tick;
  delta.baseline_tick = base.tick;
  delta.last_input_sequence = last_input_sequence;
  delta.payload = std::move(best);

  for (const EntityChange& c : selected) {
    priority_.sent(c.spawn() ? world.id(c.current) : baseline.id(c.baseline));
  }
  if (sent > 0) {
    sixteenths_per_entity_ =
        std::max<std::size_t>(1, delta.payload.size() * kPerEntityScale / sent);
  }
  WorldState next = history_.spare(&baseline);
  EntityCodec::apply_into(baseline, world, selected, next);
  history_.record(server_tick, std::move(next));
  bucket_.spend(delta.payload.size() + kEntityPacketOverhead);
  started_ = true;
  next_due_ = now + config_.update_interval;
  pending_ = order.size() - sent;
  ++stats_.packets;
  stats_.payload_bytes += delta.payload.size();
  stats_.entities_sent += sent;
  stats_.deferred += pending_;
  if (base.tick == 0) ++stats_.full_state_packets;
  return delta;
}

}  // namespace theta_net::replication
