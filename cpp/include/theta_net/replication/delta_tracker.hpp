// DeltaTracker: what changed since the last frame, per (entity, component), as ComponentDelta
// messages for the reliable replication lane. One tracker per client stream: it remembers what
// that client was sent and which component descriptors it has seen (each is advertised once).
//
// Order is deterministic: inserts and updates by (entity id, component id), then removals in
// the same order. A component whose codes are unchanged produces nothing; a frame in which
// nothing changed produces no message at all.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "theta_net/protocol/messages.hpp"
#include "theta_net/replication/world_state.hpp"

namespace theta_net::replication {

struct DeltaTrackerOptions {
  std::size_t max_entries_per_message = 65536;  // the schema's limit on ComponentDelta.entries
};

struct DeltaStats {
  std::size_t inserts = 0;
  std::size_t updates = 0;
  std::size_t removals = 0;
};

class DeltaTracker {
 public:
  explicit DeltaTracker(std::shared_ptr<const Schema> schema, DeltaTrackerOptions options = {});

  // The changes from the previous frame to `current`, which becomes the previous frame. Empty
  // when nothing changed; several messages when there are more entries than one may carry.
  std::vector<protocol::ComponentDelta> diff(const WorldState& current, std::uint32_t server_tick);

  // The client was sent `world` another way (a WorldSnapshot, which carries its descriptors):
  // the next diff is against it, and the descriptors of its component types count as sent.
  void reset_to(const WorldState& world);
  // Forgets everything: the next diff inserts the whole world and advertises again.
  void reset();

  const WorldState& previous() const { return previous_; }
  const DeltaStats& last_stats() const { return stats_; }
  std::size_t memory_bytes() const;

 private:
  std::shared_ptr<const Schema> schema_;
  DeltaTrackerOptions options_;
  WorldState previous_;
  std::vector<std::uint32_t> revisions_;  // previous_.size() x schema size
  ComponentMask advertised_ = 0;
  DeltaStats stats_;
};

// Client side: applies one ComponentDelta to `world`, all or nothing. Descriptors are checked
// against the schema; an insert of a present component, an update or removal of an absent one,
// entries out of order or a bad payload reject the whole message and leave `world` unchanged.
// An entity whose last component is removed is removed.
// Errors: kCorrupt (a descriptor that Schema::check_descriptor refuses, an unknown component,
// entries out of order, an insert or update after a removal, an insert of a present component
// or a change of an absent one, a removal with a payload, a payload decode_component refuses),
// kOutOfRange (a code outside its field's range).
Status apply_component_delta(WorldState& world, const protocol::ComponentDelta& delta);

}  // namespace theta_net::replication
