// What a ServerDriver drives on top of a SessionHost: an application with session events and
// fixed ticks (the reference GameServer; the data layer's host later). Sans-I/O: it never sees
// the endpoint or a clock, only `now`.
#pragma once

#include <cstdint>
#include <optional>

#include "theta_net/core/time.hpp"

namespace theta_net::session {

class ServerApp {
 public:
  virtual ~ServerApp() = default;
  // The session events since the last step (from its SessionHost's next_event()), and any
  // housekeeping due at `now`.
  virtual void handle_sessions(Micros now) = 0;
  // When the next fixed tick is due; nullopt for an application without ticks.
  virtual std::optional<Micros> next_tick() const = 0;
  // Simulates one tick and moves next_tick() on by one period.
  virtual void tick(Micros now) = 0;
  // How long the tick just run took on the driver's clock: an application may shed work when
  // its ticks overrun (GameServer: GameServerConfig::tick_budget). Wall time never reaches the
  // application otherwise.
  virtual void tick_took(Nanos /*spent*/) {}
  // Never spiral: after a stall the ticks due are caught up at most this many per step.
  virtual std::uint32_t max_catch_up_ticks() const = 0;
};

}  // namespace theta_net::session
