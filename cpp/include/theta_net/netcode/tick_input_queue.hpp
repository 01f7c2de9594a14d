// The rules a server's per-client input buffer follows, for any input type: inputs are kept by
// the tick they are for; a repeat of one already held or applied counts as a duplicate; one for
// a tick already simulated is late; one further ahead than the horizon is too early. At each
// tick the client's own input is taken, or the tick is counted as starved and the caller repeats
// what it ran last (each input type knows what must not be repeated).
//
// InputJitterBuffer (the reference game's InputFrame) and InputBuffer (an InputSchema's codes)
// are this queue plus their repeat rule.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "theta_net/netcode/input_buffer_stats.hpp"

namespace theta_net::netcode {

template <class Input>
class TickInputQueue {
 public:
  explicit TickInputQueue(std::uint32_t horizon_ticks) : horizon_(horizon_ticks) {}

  // The input for `tick`, built from `args` only when it is kept; `next_tick` is the next tick
  // the server will simulate.
  template <class... Args>
  void add(std::uint32_t tick, std::uint32_t next_tick, Args&&... args) {
    if (tick < next_tick || tick < next_tick_) {
      // Already simulated: a repeat of an input that was applied, or one that came too late.
      if (applied(tick)) {
        ++stats_.duplicates;
      } else {
        ++stats_.late;
      }
      return;
    }
    if (tick - next_tick > horizon_) {
      ++stats_.too_early;
      return;
    }
    if (!pending_.try_emplace(tick, std::forward<Args>(args)...).second) {
      ++stats_.duplicates;
      return;
    }
    ++stats_.received;
  }

  // The client's own input for `tick` (call once per tick, in increasing order), or nothing
  // when it did not come in time: the tick is starved.
  std::optional<Input> take(std::uint32_t tick) {
    next_tick_ = tick + 1;
    // Inputs for earlier ticks can only be left over from a tick skipped by the caller.
    while (!pending_.empty() && pending_.begin()->first < tick) pending_.erase(pending_.begin());
    if (!pending_.empty() && pending_.begin()->first == tick) {
      std::optional<Input> own(std::move(pending_.begin()->second));
      pending_.erase(pending_.begin());
      applied_[tick % applied_.size()] = tick + 1;
      ++stats_.applied;
      return own;
    }
    ++stats_.starved;
    return std::nullopt;
  }

  // The input waiting for `tick`, if any.
  const Input* pending(std::uint32_t tick) const {
    auto it = pending_.find(tick);
    return it == pending_.end() ? nullptr : &it->second;
  }
  // Whether `tick` ran with the client's own input (within the last 256 ticks).
  bool applied(std::uint32_t tick) const { return applied_[tick % applied_.size()] == tick + 1; }

  std::size_t depth() const { return pending_.size(); }
  const InputBufferStats& stats() const { return stats_; }

 private:
  std::uint32_t horizon_;
  std::map<std::uint32_t, Input> pending_;  // by tick
  // applied_[t % size] == t + 1 when tick t ran with the client's own input (0 = never).
  std::array<std::uint32_t, 256> applied_{};
  std::uint32_t next_tick_ = 0;
  InputBufferStats stats_;
};

}  // namespace theta_net::netcode
