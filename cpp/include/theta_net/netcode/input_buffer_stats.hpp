// What a server's per-client input buffer counts (TickInputQueue), published per client in the
// server's metrics.
#pragma once

#include <cstdint>

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

}  // namespace theta_net::netcode
