// EntityReplica: the client side of the entities lane. It keeps the last 32 states it applied
// (each is a baseline the server may code against), decodes each EntityDelta against the one
// it names, and reports the newest applied tick as its acknowledgement
// (InputBundle.last_server_tick). Lost, duplicated and reordered packets are harmless: an
// older or repeated tick is ignored, and the next packet is coded against a state this replica
// still holds because the server only uses acknowledged ones.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>

#include "theta_net/protocol/messages.hpp"
#include "theta_net/replication/baseline_history.hpp"
#include "theta_net/replication/entity_codec.hpp"

namespace theta_net::replication {

struct EntityReplicaStats {
  std::uint64_t applied = 0;
  std::uint64_t stale = 0;             // older than or equal to the newest applied tick
  std::uint64_t missing_baseline = 0;  // coded against a state no longer held
  std::uint64_t corrupt = 0;           // the payload did not decode
};

class EntityReplica {
 public:
  explicit EntityReplica(std::shared_ptr<const Schema> schema,
                         std::size_t history = kDefaultBaselineHistory,
                         EntityCodecLimits limits = {});

  // Applies one packet. true: it is the newest state now; false: ignored as stale. On an error
  // the state is unchanged.
  // Errors: kState (its baseline is not held), and those of EntityCodec::decode but
  // kInvalidArgument (every baseline held has the codec's schema).
  Result<bool> apply(const protocol::EntityDelta& delta);

  const WorldState& state() const { return states_.empty() ? empty_ : states_.back().state; }
  // The newest tick applied (0 before the first): the acknowledgement to send.
  std::uint32_t ack_tick() const { return states_.empty() ? 0 : states_.back().tick; }
  std::uint32_t last_input_sequence() const { return last_input_sequence_; }
  const EntityReplicaStats& stats() const { return stats_; }
  // Forgets every state (after a reconnect): the server will send full state.
  void clear() { states_.clear(); }

 private:
  struct Held {
    std::uint32_t tick;
    WorldState state;
  };
  EntityCodec codec_;
  std::size_t history_;
  std::deque<Held> states_;
  WorldState empty_;
  std::uint32_t last_input_sequence_ = 0;
  EntityReplicaStats stats_;
};

}  // namespace theta_net::replication
