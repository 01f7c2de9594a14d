// PriorityAccumulator: which waiting entity updates go into a client's next packet. Every
// update round, each entity whose state differs from what the client holds gains priority
// weight(distance, change) and keeps it until it is sent; the packet takes the entities with
// the most accumulated priority. Near and fast-changing entities win often, but an entity that
// waits keeps accumulating, so every one is sent eventually: nothing starves (tested with a
// tiny budget). Integer arithmetic and an id tie-break keep the order deterministic.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "theta_net/replication/component_type.hpp"

namespace theta_net::replication {

struct PriorityConfig {
  std::uint64_t distance_scale = 256;   // weight at distance 0; distance d gets scale / (1 + d)
  std::uint64_t lifecycle_factor = 16;  // spawns, despawns and component changes
  std::uint64_t max_change_factor = 16;
};

struct PriorityCandidate {
  EntityId id = 0;
  std::uint32_t distance = 0;   // in interest cells
  std::uint64_t magnitude = 0;  // summed code change; ignored when lifecycle is set
  bool lifecycle = false;       // spawn, despawn, or a component added or removed
};

class PriorityAccumulator {
 public:
  explicit PriorityAccumulator(PriorityConfig config = {}) : config_(config) {}

  // The weight one round adds: distance_scale / (1 + distance) x change factor, where the
  // change factor is 1 + bit_width(magnitude) (capped) or lifecycle_factor.
  std::uint64_t weight(const PriorityCandidate& c) const;

  // Adds this round's weight to every candidate, forgets entities that are no candidates any
  // more (they have nothing to send), and returns the candidates' indices from the highest
  // accumulated priority down (ties: lower id first). With `ranked` below the count, only the
  // first `ranked` places are in that order (the highest `ranked` candidates; a caller that
  // sends at most that many needs no more); the rest follow in no particular order.
  std::vector<std::size_t> accumulate(std::span<const PriorityCandidate> candidates,
                                      std::size_t ranked = SIZE_MAX);

  // The entity was sent: it starts again from zero.
  void sent(EntityId id);
  std::uint64_t priority(EntityId id) const;
  std::size_t size() const { return accumulated_.size(); }

 private:
  PriorityConfig config_;
  std::vector<std::pair<EntityId, std::uint64_t>> accumulated_;  // by id
  std::vector<std::pair<EntityId, std::uint64_t>> next_;         // accumulate's buffer
};

}  // namespace theta_net::replication
