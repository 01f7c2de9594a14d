#include "theta_net/netcode/prediction.hpp"

#include <utility>

namespace theta_net::netcode {

std::string correction_causes_text(std::uint8_t causes) {
  static constexpr std::pair<std::uint8_t, const char*> kNames[] = {
      {kCausePosition, "position"},
      {kCauseVelocity, "velocity"},
      {kCauseOnGround, "on_ground"},
      {kCauseHealth, "health"},
      {kCauseNoHistory, "no_history"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(causes & bit)) continue;
    if (!out.empty()) out += '+';
    out += name;
  }
  return out;
}

PredictedPlayer::PredictedPlayer(sim::Rules rules, std::size_t history_ticks)
    : rules_(rules), ring_(history_ticks) {}

void PredictedPlayer::reset(const sim::PlayerState& state, std::uint32_t tick) {
  state_ = state;
  tick_ = tick;
  acked_tick_ = tick;
  for (Entry& e : ring_) e.used = false;
}

const PredictedPlayer::Entry* PredictedPlayer::find(std::uint32_t tick) const {
  const Entry& e = ring_[tick % ring_.size()];
  return e.used && e.tick == tick ? &e : nullptr;
}

void PredictedPlayer::predict(const protocol::InputFrame& input, world::ChunkStore& world) {
  sim::step_movement(state_, input, world, rules_);
  tick_ = input.tick;
  Entry& e = slot(input.tick);
  e = Entry{input.tick, input, state_, true};
}

std::optional<ReconciliationEvent> PredictedPlayer::reconcile(const sim::PlayerState& authoritative,
                                                              std::uint32_t tick,
                                                              world::ChunkStore& world) {
  if (tick <= acked_tick_ && acked_tick_ != 0) return std::nullopt;  // old or repeated news
  acked_tick_ = tick;
  const Entry* predicted = find(tick);
  ReconciliationEvent event;
  event.tick = tick;
  if (predicted) {
    const sim::PlayerState& p = predicted->after;
    event.error = sim::distance(p.position, authoritative.position);
    if (event.error > threshold_) event.causes |= kCausePosition;
    if (p.velocity != authoritative.velocity) event.causes |= kCauseVelocity;
    if (p.on_ground != authoritative.on_ground) event.causes |= kCauseOnGround;
    if (p.health != authoritative.health) event.causes |= kCauseHealth;
    if (event.causes == 0) return std::nullopt;
  } else {
    // Older than the history (or before the first prediction): take the server's word for it.
    event.error = sim::distance(state_.position, authoritative.position);
    event.causes = kCauseNoHistory;
  }
  // Rewind to the server's state at `tick` and replay every input recorded after it.
  state_ = authoritative;
  for (std::uint32_t t = tick + 1; t <= tick_ && t > tick; ++t) {
    const Entry* e = find(t);
    if (!e) continue;
    const protocol::InputFrame input = e->input;
    sim::step_movement(state_, input, world, rules_);
    slot(t).after = state_;
    ++event.ticks_replayed;
  }
  if (tick > tick_) tick_ = tick;
  return event;
}

std::optional<sim::PlayerState> PredictedPlayer::state_at(std::uint32_t tick) const {
  const Entry* e = find(tick);
  if (!e) return std::nullopt;
  return e->after;
}

std::optional<Fx> PredictedPlayer::error_at(const sim::PlayerState& authoritative,
                                            std::uint32_t tick) const {
  const Entry* predicted = find(tick);
  if (!predicted) return std::nullopt;
  return sim::distance(predicted->after.position, authoritative.position);
}

std::vector<protocol::InputFrame> PredictedPlayer::unacknowledged(std::size_t max) const {
  std::vector<protocol::InputFrame> out;
  const std::uint32_t first =
      tick_ >= max ? std::max(acked_tick_ + 1, tick_ - static_cast<std::uint32_t>(max) + 1)
                   : acked_tick_ + 1;
  for (std::uint32_t t = first; t <= tick_; ++t) {
    if (const Entry* e = find(t)) out.push_back(e->input);
  }
  return out;
}

}  // namespace theta_net::netcode
