// The wall clock of a driver: microseconds since the driver started, on the steady clock. Only
// drivers (and transport, bench, bindings) read a clock; everything they drive takes `now`.
#pragma once

#include <chrono>

#include "theta_net/core/time.hpp"

namespace theta_net::session {

class DriverClock {
 public:
  DriverClock() : origin_(std::chrono::steady_clock::now()) {}
  Micros now() const {
    return std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now() - origin_);
  }

 private:
  std::chrono::steady_clock::time_point origin_;
};

}  // namespace theta_net::session
