// Client-side prediction with rewind and replay. The client applies its own inputs at once with
// the server's movement code and remembers, per tick, the input and the state it predicted. When
// the server's authoritative state for a tick arrives, the client compares: beyond a threshold it
// rewinds to the server's state and replays its inputs since, and reports a ReconciliationEvent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/protocol/messages.hpp"
#include "theta_net/sim/movement.hpp"

namespace theta_net::netcode {

// Why a correction was needed: the fields in which the prediction for the tick differed from the
// server's state (bits), or that the tick was no longer in the history. A correction with a
// zero position error is a velocity, ground-contact or health mismatch.
enum CorrectionCause : std::uint8_t {
  kCausePosition = 1,  // farther than the threshold
  kCauseVelocity = 2,
  kCauseOnGround = 4,
  kCauseHealth = 8,
  kCauseNoHistory = 16,  // no prediction for the tick: the server's word is taken
};
// "position", "velocity+on_ground", ...; "" for none.
std::string correction_causes_text(std::uint8_t causes);

struct ReconciliationEvent {
  std::uint32_t tick = 0;            // the server tick compared
  Fx error;                          // distance between predicted and authoritative positions
  std::uint32_t ticks_replayed = 0;  // inputs re-simulated after the rewind
  std::uint8_t causes = 0;           // CorrectionCause bits
};

class PredictedPlayer {
 public:
  PredictedPlayer(sim::Rules rules, std::size_t history_ticks = 60);

  void reset(const sim::PlayerState& state, std::uint32_t tick);
  // Applies the input for `input.tick` (the next tick) and records it.
  void predict(const protocol::InputFrame& input, world::ChunkStore& world);
  // The server's state after simulating `tick`. Returns the correction when one was needed.
  std::optional<ReconciliationEvent> reconcile(const sim::PlayerState& authoritative,
                                               std::uint32_t tick, world::ChunkStore& world);

  // How far the prediction for `tick` is from the server's state for it (nothing when the tick
  // is no longer, or not yet, in the history).
  std::optional<Fx> error_at(const sim::PlayerState& authoritative, std::uint32_t tick) const;

  // The predicted state after `tick`, while it is in the history.
  std::optional<sim::PlayerState> state_at(std::uint32_t tick) const;

  const sim::PlayerState& state() const { return state_; }
  std::uint32_t tick() const { return tick_; }
  // Inputs not yet acknowledged (sent again in every bundle), oldest first.
  std::vector<protocol::InputFrame> unacknowledged(std::size_t max) const;
  void set_threshold(Fx threshold) { threshold_ = threshold; }

 private:
  struct Entry {
    std::uint32_t tick = 0;
    protocol::InputFrame input;
    sim::PlayerState after;  // the predicted state after applying input
    bool used = false;
  };
  Entry& slot(std::uint32_t tick) { return ring_[tick % ring_.size()]; }
  const Entry* find(std::uint32_t tick) const;

  sim::Rules rules_;
  std::vector<Entry> ring_;
  sim::PlayerState state_;
  std::uint32_t tick_ = 0;                  // the newest predicted tick
  std::uint32_t acked_tick_ = 0;            // the newest tick the server confirmed
  Fx threshold_ = Fx::from_ratio(1, 1000);  // well below what a player could see
};

}  // namespace theta_net::netcode
