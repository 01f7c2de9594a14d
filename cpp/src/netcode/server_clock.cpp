#include "theta_net/netcode/server_clock.hpp"

#include <algorithm>

namespace theta_net::netcode {

ServerClock::ServerClock(std::uint32_t tick_rate, std::size_t window)
    : tick_rate_(tick_rate), window_(window) {}

void ServerClock::on_server_tick(std::uint32_t tick, std::uint64_t now_us, std::uint64_t rtt_us) {
  const std::int64_t server_us = static_cast<std::int64_t>(tick) * 1'000'000 / tick_rate_;
  offsets_.push_back(server_us + static_cast<std::int64_t>(rtt_us / 2) -
                     static_cast<std::int64_t>(now_us));
  while (offsets_.size() > window_) offsets_.pop_front();
}

Fx ServerClock::server_tick_at(std::uint64_t now_us) const {
  // The largest offset is the sample that travelled fastest: the least jitter in it.
  const std::int64_t offset = *std::max_element(offsets_.begin(), offsets_.end());
  const std::int64_t server_us = static_cast<std::int64_t>(now_us) + offset;
  return Fx::from_ratio(server_us * tick_rate_, 1'000'000);
}

std::uint32_t ServerClock::input_tick_at(std::uint64_t now_us, std::uint64_t rtt_us,
                                         std::uint64_t jitter_us) const {
  const std::uint64_t ahead_us = rtt_us / 2 + 2 * jitter_us;
  const Fx arrival = server_tick_at(now_us) +
                     Fx::from_ratio(static_cast<std::int64_t>(ahead_us) * tick_rate_, 1'000'000);
  const std::int64_t tick =
      arrival.floor() + 2;  // the tick being simulated may be under way: one more
  return static_cast<std::uint32_t>(std::max<std::int64_t>(tick, 0));
}

}  // namespace theta_net::netcode
