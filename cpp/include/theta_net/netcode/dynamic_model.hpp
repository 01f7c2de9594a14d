// The type-erased prediction model: State and Input are std::any, the step and the comparison
// are std::function. For an engine whose prediction code cannot be a template instantiated with
// its own types (a plugin boundary, a scripting layer), at the cost of a copy of the std::any per
// recorded tick and an indirect call per step. The rewind rules are Predictor's, unchanged.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "theta_net/netcode/predictor.hpp"

namespace theta_net::netcode {

struct DynamicDiff {
  double magnitude = 0;             // the largest difference, in the application's own units
  std::vector<std::string> fields;  // the fields that differ past their thresholds
};

struct DynamicModel {
  using State = std::any;
  using Input = std::any;
  using Diff = DynamicDiff;

  std::function<void(std::any& state, const std::any& input, std::uint32_t tick)> step_fn;
  std::function<DynamicDiff(const std::any& predicted, const std::any& authoritative)> compare_fn;

  void step(State& state, const Input& input, std::uint32_t tick) const {
    step_fn(state, input, tick);
  }
  Diff compare(const State& predicted, const State& authoritative) const {
    return compare_fn(predicted, authoritative);
  }
  // A difference in any field is worth a rewind; the comparison decides what counts as one.
  bool needs_correction(const Diff& diff) const { return !diff.fields.empty(); }
};

using DynamicPredictor = Predictor<DynamicModel>;

}  // namespace theta_net::netcode
