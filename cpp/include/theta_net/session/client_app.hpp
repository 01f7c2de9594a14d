// What a ClientDriver drives on top of a SessionClient: an application that handles session
// events, predicts and sends (the reference GameClient; a data-layer mirror later). Sans-I/O: it
// never sees the endpoint or a clock, only `now`.
#pragma once

#include "theta_net/core/time.hpp"

namespace theta_net::session {

class ClientApp {
 public:
  virtual ~ClientApp() = default;
  // Session events (from its SessionClient's next_event()), prediction, sends.
  virtual void step(Micros now) = 0;
  // The driver was not stepped for `gap` (a debugger, a laptop lid, a long GC pause): re-sync
  // from the server rather than replaying the missed time in a burst.
  virtual void on_pause(Micros now, Micros gap) = 0;
};

}  // namespace theta_net::session
