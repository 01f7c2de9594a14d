#include "theta_net/replication/entity_replica.hpp"

#include <algorithm>
#include <utility>

namespace theta_net::replication {

EntityReplica::EntityReplica(std::shared_ptr<const Schema> schema, std::size_t history,
                             EntityCodecLimits limits)
    : codec_(schema, limits), history_(std::max<std::size_t>(history, 1)), empty_(schema) {}

Result<bool> EntityReplica::apply(const protocol::EntityDelta& delta) {
  if (delta.server_tick == 0 || delta.server_tick <= ack_tick()) {
    ++stats_.stale;
    return false;
  }
  const WorldState* baseline = &empty_;
  if (delta.baseline_tick != 0) {
    auto it = std::find_if(states_.begin(), states_.end(),
                           [&](const Held& h) { return h.tick == delta.baseline_tick; });
    if (it == states_.end()) {
      ++stats_.missing_baseline;
      return make_error(ErrorCode::kState, "entity delta of tick ", delta.server_tick,
                        " is coded against tick ", delta.baseline_tick, ", which is not held");
    }
    baseline = &it->state;
  }
  auto decoded = codec_.decode(*baseline, delta.payload);
  if (!decoded.ok()) {
    ++stats_.corrupt;
    return std::move(decoded).error();
  }
  states_.push_back({delta.server_tick, std::move(decoded).value()});
  while (states_.size() > history_) states_.pop_front();
  last_input_sequence_ = delta.last_input_sequence;
  ++stats_.applied;
  return true;
}

}  // namespace theta_net::replication
