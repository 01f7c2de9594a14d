#include "theta_net/netcode/server_clock.hpp"

#include <algorithm>

namespace theta_net::netcode {

ServerClock::ServerClock(std::uint32_t tick_rate, std::size_t window)
    : tick_rate_(tick_rate), window_(window) {}

void ServerClock::on_server_tick(std::uint32_t tick, Micros now, Micros rtt) {
  const std::int64_t server_us = static_cast<std::int64_t>(tick) * 1'000'000 / tick_rate_;
  offsets_.push_back(server_us + rtt.count() / 2 - now.count());
  while (offsets_.size() > window_) offsets_.pop_front();
}

Fx ServerClock::server_tick_at(Micros now) const {
  // The largest offset is the sample that travelled fastest: the least jitter in it.
  const std::int64_t offset = *std::max_element(offsets_.begin(), offsets_.end());
  const std::int64_t server_us = now.count() + offset;
  return Fx::from_ratio(server_us * tick_rate_, 1'000'000);
}

std::uint32_t ServerClock::input_tick_at(Micros now, Micros rtt, Micros jitter) const {
  const std::int64_t ahead_us = rtt.count() / 2 + 2 * jitter.count();
  const Fx arrival = server_tick_at(now) + Fx::from_ratio(ahead_us * tick_rate_, 1'000'000);
  const std::int64_t tick =
      arrival.floor() + 2;  // the tick being simulated may be under way: one more
  return static_cast<std::uint32_t>(std::max<std::int64_t>(tick, 0));
}

}  // namespace theta_net::netcode
