// The client's estimate of the server's tick, and the tick its next input should carry. Every
// server message stamped with a tick gives one sample: the server was at that tick when it sent,
// about half a round trip ago. The estimate keeps the earliest-looking recent sample (the one
// delayed least by jitter). Inputs are stamped far enough ahead that they reach the server before
// it simulates their tick: one-way delay plus twice the jitter plus a tick of margin.
#pragma once

#include <cstdint>
#include <deque>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/core/time.hpp"

namespace theta_net::netcode {

class ServerClock {
 public:
  explicit ServerClock(std::uint32_t tick_rate, std::size_t window = 32);

  // A message with server tick `tick` arrived at local time `now`; `rtt` is the current
  // round-trip estimate (0 if unknown).
  void on_server_tick(std::uint32_t tick, Micros now, Micros rtt);

  bool synced() const { return !offsets_.empty(); }
  // The server's tick now (fractional). Valid once synced.
  Fx server_tick_at(Micros now) const;
  // The tick to stamp an input with at `now`.
  std::uint32_t input_tick_at(Micros now, Micros rtt, Micros jitter) const;

 private:
  std::uint32_t tick_rate_;
  std::size_t window_;
  // Per sample: server time minus local time, in microseconds (server time = tick * period).
  std::deque<std::int64_t> offsets_;
};

}  // namespace theta_net::netcode
