#include "theta_net/netcode/prediction.hpp"

#include <algorithm>
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

PlayerModel::Diff PlayerModel::compare(const State& predicted, const State& authoritative) const {
  Diff diff;
  diff.error = sim::distance(predicted.position, authoritative.position);
  if (diff.error > threshold) diff.causes |= kCausePosition;
  if (predicted.velocity != authoritative.velocity) diff.causes |= kCauseVelocity;
  if (predicted.on_ground != authoritative.on_ground) diff.causes |= kCauseOnGround;
  if (predicted.health != authoritative.health) diff.causes |= kCauseHealth;
  return diff;
}

PredictedPlayer::PredictedPlayer(sim::Rules rules, std::size_t history_ticks)
    : predictor_(PlayerModel{rules}, history_ticks) {}

void PredictedPlayer::reset(const sim::PlayerState& state, std::uint32_t tick) {
  predictor_.reset(state, tick);
}

void PredictedPlayer::predict(const protocol::InputFrame& input, world::ChunkStore& world) {
  predictor_.model().world = &world;
  predictor_.predict(input.tick, input);
}

std::optional<ReconciliationEvent> PredictedPlayer::reconcile(const sim::PlayerState& authoritative,
                                                              std::uint32_t tick,
                                                              world::ChunkStore& world) {
  predictor_.model().world = &world;
  auto correction = predictor_.reconcile(authoritative, tick);
  if (!correction) return std::nullopt;
  ReconciliationEvent event;
  event.tick = correction->tick;
  event.error = correction->diff.error;
  event.ticks_replayed = correction->ticks_replayed;
  // Without a prediction for the tick, the field comparison says nothing about its cause.
  event.causes = correction->no_history ? std::uint8_t{kCauseNoHistory} : correction->diff.causes;
  return event;
}

std::optional<sim::PlayerState> PredictedPlayer::state_at(std::uint32_t tick) const {
  const sim::PlayerState* state = predictor_.state_at(tick);
  if (!state) return std::nullopt;
  return *state;
}

std::optional<Fx> PredictedPlayer::error_at(const sim::PlayerState& authoritative,
                                            std::uint32_t tick) const {
  auto diff = predictor_.diff_at(authoritative, tick);
  if (!diff) return std::nullopt;
  return diff->error;
}

std::vector<protocol::InputFrame> PredictedPlayer::unacknowledged(std::size_t max) const {
  std::vector<protocol::InputFrame> out;
  out.reserve(std::min<std::size_t>(max, predictor_.tick() - predictor_.acked_tick()));
  predictor_.for_each_unacknowledged(
      max, [&](std::uint32_t, const protocol::InputFrame& input) { out.push_back(input); });
  return out;
}

}  // namespace theta_net::netcode
