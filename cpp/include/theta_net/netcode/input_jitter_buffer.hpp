// The server's per-client input buffer. Clients stamp each input with the server tick it is for
// and run far enough ahead that it arrives in time; every InputBundle repeats the inputs not yet
// acknowledged, so a lost datagram costs nothing. The buffer keeps the inputs by tick, drops
// repeats and inputs that arrive after their tick, and at each tick hands the simulation that
// tick's input, or repeats the last one's movement (never its block or inventory action) and
// counts the starvation. The buffering rules are TickInputQueue's; this adds the repeat rule.
#pragma once

#include <cstdint>

#include "theta_net/netcode/tick_input_queue.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::netcode {

class InputJitterBuffer {
 public:
  explicit InputJitterBuffer(std::uint32_t horizon_ticks = 128) : queue_(horizon_ticks) {}

  // `next_tick` is the next tick the server will simulate.
  void add(const protocol::InputFrame& input, std::uint32_t next_tick) {
    queue_.add(input.tick, next_tick, input);
  }
  // The input for `tick` (call once per tick, in increasing order).
  protocol::InputFrame take(std::uint32_t tick);

  // Inputs waiting (for ticks not yet simulated).
  std::size_t depth() const { return queue_.depth(); }
  const InputBufferStats& stats() const { return queue_.stats(); }
  // The sequence of the newest input applied: acknowledged to the client.
  std::uint32_t last_applied_sequence() const { return last_.sequence; }

 private:
  TickInputQueue<protocol::InputFrame> queue_;
  protocol::InputFrame last_{};
};

}  // namespace theta_net::netcode
