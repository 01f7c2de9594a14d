// The reference game's player prediction as it was written by hand before the generic Predictor
// (netcode/predictor.hpp) replaced it: kept here only as the same-run baseline of
// netcode_bench.cpp, which checks that the generic path costs no more than this one did.
#pragma once

#include <optional>
#include <vector>

#include "theta_net/netcode/prediction.hpp"

namespace theta_net::bench {

class HandWrittenPredictedPlayer {
 public:
  explicit HandWrittenPredictedPlayer(sim::Rules rules, std::size_t history_ticks = 60)
      : rules_(rules), ring_(history_ticks) {}

  void reset(const sim::PlayerState& state, std::uint32_t tick) {
    state_ = state;
    tick_ = tick;
    acked_tick_ = tick;
    for (Entry& e : ring_) e.used = false;
  }

  void predict(const protocol::InputFrame& input, world::ChunkStore& world) {
    sim::step_movement(state_, input, world, rules_);
    tick_ = input.tick;
    Entry& e = slot(input.tick);
    e = Entry{input.tick, input, state_, true};
  }

  std::optional<netcode::ReconciliationEvent> reconcile(const sim::PlayerState& authoritative,
                                                        std::uint32_t tick,
                                                        world::ChunkStore& world) {
    if (tick <= acked_tick_ && acked_tick_ != 0) return std::nullopt;
    acked_tick_ = tick;
    const Entry* predicted = find(tick);
    netcode::ReconciliationEvent event;
    event.tick = tick;
    if (predicted) {
      const sim::PlayerState& p = predicted->after;
      event.error = sim::distance(p.position, authoritative.position);
      if (event.error > threshold_) event.causes |= netcode::kCausePosition;
      if (p.velocity != authoritative.velocity) event.causes |= netcode::kCauseVelocity;
      if (p.on_ground != authoritative.on_ground) event.causes |= netcode::kCauseOnGround;
      if (p.health != authoritative.health) event.causes |= netcode::kCauseHealth;
      if (event.causes == 0) return std::nullopt;
    } else {
      event.error = sim::distance(state_.position, authoritative.position);
      event.causes = netcode::kCauseNoHistory;
    }
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

  std::vector<protocol::InputFrame> unacknowledged(std::size_t max) const {
    std::vector<protocol::InputFrame> out;
    const std::uint32_t first =
        tick_ >= max ? std::max(acked_tick_ + 1, tick_ - static_cast<std::uint32_t>(max) + 1)
                     : acked_tick_ + 1;
    for (std::uint32_t t = first; t <= tick_; ++t) {
      if (const Entry* e = find(t)) out.push_back(e->input);
    }
    return out;
  }

  const sim::PlayerState& state() const { return state_; }

 private:
  struct Entry {
    std::uint32_t tick = 0;
    protocol::InputFrame input;
    sim::PlayerState after;
    bool used = false;
  };
  Entry& slot(std::uint32_t tick) { return ring_[tick % ring_.size()]; }
  const Entry* find(std::uint32_t tick) const {
    const Entry& e = ring_[tick % ring_.size()];
    return e.used && e.tick == tick ? &e : nullptr;
  }

  sim::Rules rules_;
  std::vector<Entry> ring_;
  sim::PlayerState state_;
  std::uint32_t tick_ = 0;
  std::uint32_t acked_tick_ = 0;
  Fx threshold_ = Fx::from_ratio(1, 1000);
};

}  // namespace theta_net::bench
