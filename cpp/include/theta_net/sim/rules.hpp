// The constants of the reference game's rules, in fixed point. They follow Minecraft's feel
// (walk 4.317 blocks/s, gravity 32 blocks/s^2, jump to 1.25 blocks) but are theta_net's own.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "theta_net/core/fixed_point.hpp"

namespace theta_net::sim {

// The tick rates the game is built and tested for. Servers, replays of input logs and scenarios
// refuse any other (the Python scenario schema reads this list through theta_net._core).
inline constexpr std::array<std::uint32_t, 4> kSupportedTickRates = {20, 30, 60, 90};

constexpr bool is_supported_tick_rate(std::uint32_t rate) {
  return std::find(kSupportedTickRates.begin(), kSupportedTickRates.end(), rate) !=
         kSupportedTickRates.end();
}

struct Rules {
  std::uint32_t tick_rate = 20;  // ticks per second, one of kSupportedTickRates
  Fx walk_speed = Fx::from_ratio(4317, 1000);
  Fx sprint_speed = Fx::from_ratio(5612, 1000);
  Fx sneak_speed = Fx::from_ratio(1295, 1000);
  Fx gravity = Fx::from_int(32);
  Fx jump_speed = Fx::from_ratio(89, 10);  // peaks at v^2 / 2g = 1.24 blocks
  Fx terminal_speed = Fx::from_ratio(784, 10);
  Fx air_control = Fx::from_ratio(1, 5);  // fraction of the steering change applied per tick in air
  Fx half_width = Fx::from_ratio(3, 10);  // the player's box is 0.6 x 1.8 x 0.6
  Fx height = Fx::from_ratio(18, 10);
  Fx eye_height = Fx::from_ratio(162, 100);
  Fx reach = Fx::from_int(5);  // from the eye to the centre of a block it edits, plus half a block
  Fx safe_fall_speed = Fx::from_int(13);  // landing faster than this hurts
  Fx void_y = Fx::from_int(-64);          // below this a player respawns

  Fx dt() const { return Fx::from_ratio(1, tick_rate); }
};

}  // namespace theta_net::sim
