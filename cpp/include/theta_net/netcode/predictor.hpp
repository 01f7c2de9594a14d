// Client-side prediction with rewind and replay over the application's own state. The client
// applies its inputs at once with the same deterministic step the server runs and remembers, per
// tick, the input and the state it predicted. When the server's state for a tick arrives, the
// model compares it with the prediction for that tick; when the model says the difference
// matters, the predictor rewinds to the server's state and replays the inputs recorded since.
//
// The application supplies a model (the PredictionModel concept below): its State and Input
// types, the step, and a comparison whose result (the Diff) says which fields differed and by
// how much. The reference game's PredictedPlayer, the type-erased DynamicModel and the Python
// binding are all models of this one template, so the rewind rules live here only.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace theta_net::netcode {

// step(state, input, tick) advances `state` by tick `tick` with `input`; it must be
// deterministic. compare(predicted, authoritative) reports how the two differ, and
// needs_correction(diff) says whether that difference is worth a rewind.
template <class M>
concept PredictionModel = std::copyable<typename M::State> &&
    std::default_initializable<typename M::State> && std::copyable<typename M::Input> &&
    std::default_initializable<typename M::Input> && std::copyable<typename M::Diff> &&
    std::default_initializable<typename M::Diff> &&
    requires(M& model, typename M::State& state, const typename M::State& view,
             const typename M::Input& input, const typename M::Diff& diff, std::uint32_t tick) {
  model.step(state, input, tick);
  { model.compare(view, view) } -> std::same_as<typename M::Diff>;
  { model.needs_correction(diff) } -> std::convertible_to<bool>;
};

// One rewind: the server's tick that disagreed, what the comparison said, and how many recorded
// inputs were replayed on top of the server's state. `no_history` means the tick was no longer
// (or not yet) in the history: the server's word was taken and `diff` compares the prediction
// current at the time with it.
template <class Diff>
struct Correction {
  std::uint32_t tick = 0;
  Diff diff{};
  std::uint32_t ticks_replayed = 0;
  bool no_history = false;
};

struct PredictorStats {
  std::uint64_t predicted = 0;       // predict() calls
  std::uint64_t reconciled = 0;      // server states compared (news, not repeats)
  std::uint64_t corrections = 0;     // rewinds
  std::uint64_t no_history = 0;      // of which the tick was outside the history
  std::uint64_t ticks_replayed = 0;  // inputs re-simulated, over every rewind
};

template <class Input>
struct TickInput {
  std::uint32_t tick = 0;
  Input input;
};

template <PredictionModel M>
class Predictor {
 public:
  using State = typename M::State;
  using Input = typename M::Input;
  using Diff = typename M::Diff;

  // history_ticks: how many ticks of inputs and predicted states are kept (at least 1). A server
  // state older than that is taken as it is, without replay of the inputs lost with it.
  explicit Predictor(M model, std::size_t history_ticks = 60)
      : model_(std::move(model)), ring_(history_ticks == 0 ? 1 : history_ticks) {}

  M& model() { return model_; }
  const M& model() const { return model_; }

  // Starts again from `state` as the state after `tick`; the history is forgotten.
  void reset(const State& state, std::uint32_t tick) {
    state_ = state;
    tick_ = tick;
    acked_tick_ = tick;
    for (Entry& e : ring_) e.used = false;
  }

  // Applies `input` as tick `tick` (normally tick() + 1) and records it. A step that throws
  // leaves the current state and tick as they were; the history loses the one entry this tick
  // was to replace (the oldest).
  void predict(std::uint32_t tick, const Input& input) {
    // Stepped in its history slot: one copy in, one out. The slot is marked unused while the
    // step runs.
    Entry& e = slot(tick);
    e.used = false;
    e.after = state_;
    model_.step(e.after, input, tick);
    e.tick = tick;
    e.input = input;
    e.used = true;
    state_ = e.after;
    tick_ = tick;
    ++stats_.predicted;
  }

  // The server's state after simulating `tick`. Returns the correction when one was made;
  // nothing when the prediction held, or the news is no newer than news already taken (news
  // for tick 0 right after a reset at tick 0 is taken, as there is nothing newer yet).
  std::optional<Correction<Diff>> reconcile(const State& authoritative, std::uint32_t tick) {
    if (tick <= acked_tick_ && acked_tick_ != 0) return std::nullopt;  // old or repeated news
    const Entry* predicted = find(tick);
    Correction<Diff> correction;
    correction.tick = tick;
    if (predicted) {
      correction.diff = model_.compare(predicted->after, authoritative);
      if (!model_.needs_correction(correction.diff)) {
        acked_tick_ = tick;
        ++stats_.reconciled;
        return std::nullopt;
      }
    } else {
      correction.diff = model_.compare(state_, authoritative);
      correction.no_history = true;
    }
    // Rewind to the server's state at `tick` and replay every input recorded after it. The
    // replayed states go to a scratch list first and into the history only once every step has
    // succeeded: a step that throws leaves the predictor as it was.
    State replay = authoritative;
    replayed_.clear();
    for (std::uint32_t t = tick + 1; t <= tick_ && t > tick; ++t) {
      Entry* e = find_mutable(t);
      if (!e) continue;
      model_.step(replay, e->input, t);
      replayed_.push_back({t, replay});
    }
    for (TickState& r : replayed_) find_mutable(r.tick)->after = std::move(r.state);
    correction.ticks_replayed = static_cast<std::uint32_t>(replayed_.size());
    state_ = std::move(replay);
    acked_tick_ = tick;
    if (tick > tick_) tick_ = tick;
    ++stats_.reconciled;
    ++stats_.corrections;
    if (correction.no_history) ++stats_.no_history;
    stats_.ticks_replayed += correction.ticks_replayed;
    return correction;
  }

  // The comparison of the prediction for `tick` with the server's state for it (nothing when
  // the tick is not in the history). Does not change anything.
  std::optional<Diff> diff_at(const State& authoritative, std::uint32_t tick) const {
    const Entry* e = find(tick);
    if (!e) return std::nullopt;
    return model_.compare(e->after, authoritative);
  }

  // The predicted state after `tick`, while it is in the history.
  const State* state_at(std::uint32_t tick) const {
    const Entry* e = find(tick);
    return e ? &e->after : nullptr;
  }

  const State& state() const { return state_; }
  std::uint32_t tick() const { return tick_; }
  // The newest tick the server's state was taken for.
  std::uint32_t acked_tick() const { return acked_tick_; }
  const PredictorStats& stats() const { return stats_; }

  // Calls f(tick, input) for the inputs after the last server state (at most the newest `max`),
  // oldest first: what a client repeats in every input bundle until the server confirms it.
  template <class F>
  void for_each_unacknowledged(std::size_t max, F&& f) const {
    const auto window = static_cast<std::uint32_t>(std::min<std::size_t>(max, UINT32_MAX));
    std::uint32_t first = acked_tick_ + 1;
    if (tick_ >= window && tick_ - window + 1 > first) first = tick_ - window + 1;
    for (std::uint32_t t = first; t <= tick_ && t >= first; ++t) {
      if (const Entry* e = find(t)) f(t, e->input);
    }
  }
  std::vector<TickInput<Input>> unacknowledged(std::size_t max) const {
    std::vector<TickInput<Input>> out;
    for_each_unacknowledged(max, [&](std::uint32_t t, const Input& in) { out.push_back({t, in}); });
    return out;
  }

 private:
  struct Entry {
    std::uint32_t tick = 0;
    Input input{};
    State after{};
    bool used = false;
  };
  Entry& slot(std::uint32_t tick) { return ring_[tick % ring_.size()]; }
  const Entry* find(std::uint32_t tick) const {
    const Entry& e = ring_[tick % ring_.size()];
    return e.used && e.tick == tick ? &e : nullptr;
  }
  Entry* find_mutable(std::uint32_t tick) {
    Entry& e = ring_[tick % ring_.size()];
    return e.used && e.tick == tick ? &e : nullptr;
  }

  struct TickState {
    std::uint32_t tick = 0;
    State state;
  };

  M model_;
  std::vector<Entry> ring_;
  std::vector<TickState> replayed_;  // scratch for a replay, kept to reuse its memory
  State state_{};
  std::uint32_t tick_ = 0;        // the newest predicted tick
  std::uint32_t acked_tick_ = 0;  // the newest tick the server's state was taken for
  PredictorStats stats_;
};

}  // namespace theta_net::netcode
