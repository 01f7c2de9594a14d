// The reference game's player prediction: a Predictor (predictor.hpp) whose model is the
// server's own movement code over the client's copy of the world. This file only says what a
// player's state, input and step are and how two states are compared; the rewind and replay
// rules are the generic ones every application gets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/netcode/predictor.hpp"
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

// A player's movement as a PredictionModel. The world is the client's copy, set before each
// call that may step (it changes as chunks arrive, and is not owned here).
struct PlayerModel {
  using State = sim::PlayerState;
  using Input = protocol::InputFrame;
  struct Diff {
    Fx error;                 // distance between the two positions
    std::uint8_t causes = 0;  // CorrectionCause bits
  };

  sim::Rules rules;
  Fx threshold = Fx::from_ratio(1, 1000);  // well below what a player could see
  world::ChunkStore* world = nullptr;

  void step(State& state, const Input& input, std::uint32_t) const {
    sim::step_movement(state, input, *world, rules);
  }
  Diff compare(const State& predicted, const State& authoritative) const;
  bool needs_correction(const Diff& diff) const { return diff.causes != 0; }
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

  const sim::PlayerState& state() const { return predictor_.state(); }
  std::uint32_t tick() const { return predictor_.tick(); }
  // Inputs not yet acknowledged (sent again in every bundle), oldest first.
  std::vector<protocol::InputFrame> unacknowledged(std::size_t max) const;
  void set_threshold(Fx threshold) { predictor_.model().threshold = threshold; }
  const PredictorStats& stats() const { return predictor_.stats(); }

 private:
  Predictor<PlayerModel> predictor_;
};

}  // namespace theta_net::netcode
