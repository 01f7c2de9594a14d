// How long the application's ticks took on the wall clock: count, total, maximum, and the last
// 4,096 in a ring for quantiles. The server driver measures them (the one place that reads a
// clock around a tick); the application never does.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "theta_net/core/time.hpp"

namespace theta_net::session {

class TickTimes {
 public:
  static constexpr std::size_t kRecent = 4096;

  void record(Nanos spent);

  std::uint64_t count() const { return count_; }
  Nanos total() const { return total_; }
  Nanos max() const { return max_; }
  Nanos mean() const { return count_ ? total_ / static_cast<Nanos::rep>(count_) : Nanos{0}; }
  // The q-quantile (0..1) of the recent ticks (nearest rank below), 0 before the first tick.
  Nanos quantile(double q) const;
  // The last n ticks' times (at most recent()), oldest first, in milliseconds.
  std::vector<double> recent_ms(std::size_t n) const;
  // How many recent ticks the ring holds (at most kRecent).
  std::size_t recent() const { return count_ < kRecent ? count_ : kRecent; }

  // Names the figures (core/named_fields.hpp) as the server's metrics publish them: counts and
  // microseconds, the quantiles over the recent ticks.
  template <class F>
  void visit(F&& f) const {
    f("ticks_timed", count_);
    f("tick_time_us_mean", in_microseconds(mean()));
    f("tick_time_us_max", in_microseconds(max_));
    f("tick_time_us_median", in_microseconds(quantile(0.5)));
    f("tick_time_us_p99", in_microseconds(quantile(0.99)));
  }
  static constexpr double in_microseconds(Nanos t) {
    return static_cast<double>(t.count()) / 1000.0;
  }

 private:
  std::array<std::uint32_t, kRecent> ring_{};  // nanoseconds, saturated at 2^32 - 1 (4.3 s)
  std::uint64_t count_ = 0;
  Nanos total_{0};
  Nanos max_{0};
};

}  // namespace theta_net::session
