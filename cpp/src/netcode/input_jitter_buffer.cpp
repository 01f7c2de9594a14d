#include "theta_net/netcode/input_jitter_buffer.hpp"

namespace theta_net::netcode {

void InputJitterBuffer::add(const protocol::InputFrame& input, std::uint32_t next_tick) {
  if (input.tick < next_tick || input.tick < next_tick_) {
    // Already simulated: a repeat of an input that was applied, or one that came too late.
    if (applied_[input.tick % applied_.size()] == input.tick + 1) {
      ++stats_.duplicates;
    } else {
      ++stats_.late;
    }
    return;
  }
  if (input.tick - next_tick > horizon_) {
    ++stats_.too_early;
    return;
  }
  if (!pending_.emplace(input.tick, input).second) {
    ++stats_.duplicates;
    return;
  }
  ++stats_.received;
}

protocol::InputFrame InputJitterBuffer::take(std::uint32_t tick) {
  next_tick_ = tick + 1;
  // Inputs for earlier ticks can only be left over from a tick skipped by the caller: drop them.
  while (!pending_.empty() && pending_.begin()->first < tick) pending_.erase(pending_.begin());
  if (!pending_.empty() && pending_.begin()->first == tick) {
    last_ = pending_.begin()->second;
    pending_.erase(pending_.begin());
    applied_[tick % applied_.size()] = tick + 1;
    ++stats_.applied;
    return last_;
  }
  ++stats_.starved;
  protocol::InputFrame repeat = last_;
  repeat.tick = tick;
  repeat.block.reset();  // a repeated click would place or break a second block
  repeat.inventory.reset();
  return repeat;
}

}  // namespace theta_net::netcode
