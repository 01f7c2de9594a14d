// The server's per-client input buffer. Clients stamp each input with the server tick it is for
// and run far enough ahead that it arrives in time; every InputBundle repeats the inputs not yet
// acknowledged, so a lost datagram costs nothing. The buffer keeps the inputs by tick, drops
// repeats and inputs that arrive after their tick, and at each tick hands the simulation that
// tick's input, or repeats the last one's movement (never its block or inventory action) and
// counts the starvation.
#pragma once

#include <array>
#include <cstdint>
#include <map>

#include "theta_net/protocol/messages.hpp"

namespace theta_net::netcode {

struct InputBufferStats {
  std::uint64_t received = 0;    // inputs taken into the buffer
  std::uint64_t duplicates = 0;  // already buffered or already applied
  std::uint64_t late = 0;        // arrived after their tick was simulated
  std::uint64_t too_early = 0;   // beyond the buffer's horizon
  std::uint64_t starved = 0;     // ticks simulated with a repeated input
  std::uint64_t applied = 0;     // ticks simulated with the client's own input

  // Names the fields (core/named_fields.hpp); "duplicate" is the public name of `duplicates`.
  template <class F>
  void visit(F&& f) const {
    f("applied", applied);
    f("starved", starved);
    f("late", late);
    f("duplicate", duplicates);
    f("received", received);
    f("too_early", too_early);
  }
};

class InputJitterBuffer {
 public:
  explicit InputJitterBuffer(std::uint32_t horizon_ticks = 128) : horizon_(horizon_ticks) {}

  // `next_tick` is the next tick the server will simulate.
  void add(const protocol::InputFrame& input, std::uint32_t next_tick);
  // The input for `tick` (call once per tick, in increasing order).
  protocol::InputFrame take(std::uint32_t tick);

  // Inputs waiting (for ticks not yet simulated).
  std::size_t depth() const { return pending_.size(); }
  const InputBufferStats& stats() const { return stats_; }
  // The sequence of the newest input applied: acknowledged to the client.
  std::uint32_t last_applied_sequence() const { return last_.sequence; }

 private:
  std::uint32_t horizon_;
  std::map<std::uint32_t, protocol::InputFrame> pending_;  // by tick
  protocol::InputFrame last_{};
  // applied_[t % size] == t + 1 when tick t ran with the client's own input (0 = never).
  std::array<std::uint32_t, 256> applied_{};
  std::uint32_t next_tick_ = 0;
  InputBufferStats stats_;
};

}  // namespace theta_net::netcode
