// Finding nondeterminism in an application's step. A prediction model's step must give the same
// state from the same state and input, on every run and every machine, or the client's
// predictions and the server's simulation drift apart and replays stop reproducing sessions.
// first_divergence replays recorded inputs through the step and compares each result with the
// state recorded for that tick (by another run, another process or another machine): the first
// tick that differs, and the model's diff saying which fields, locate the fault.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "theta_net/netcode/predictor.hpp"

namespace theta_net::netcode {

template <class Diff>
struct Divergence {
  std::uint32_t tick = 0;  // the first tick whose replayed state differs from the recorded one
  Diff diff{};             // compare(replayed, recorded) at that tick
};

// Steps `initial` (the state after tick first_tick - 1) through inputs[i] as tick first_tick + i
// and compares the result with recorded[i] for every i where both exist. Returns the first tick
// the model says needs a correction, or nothing when every recorded state was reproduced.
template <PredictionModel M>
std::optional<Divergence<typename M::Diff>> first_divergence(
    M& model, typename M::State initial, std::uint32_t first_tick,
    std::span<const typename M::Input> inputs, std::span<const typename M::State> recorded) {
  typename M::State state = std::move(initial);
  const std::size_t n = inputs.size() < recorded.size() ? inputs.size() : recorded.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto tick = static_cast<std::uint32_t>(first_tick + i);
    model.step(state, inputs[i], tick);
    auto diff = model.compare(state, recorded[i]);
    if (model.needs_correction(diff)) return Divergence<typename M::Diff>{tick, std::move(diff)};
  }
  return std::nullopt;
}

}  // namespace theta_net::netcode
