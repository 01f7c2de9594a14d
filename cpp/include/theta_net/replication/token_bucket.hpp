// TokenBucket: a per-client bandwidth budget. Tokens (bytes) accrue at `rate` per second up to
// `burst`; sending spends them. Time is a parameter (sans-I/O): the caller passes `now`, so
// SimNet's virtual time and a wall clock drive it alike. Integer arithmetic throughout.
#pragma once

#include <chrono>
#include <cstdint>

#include "theta_net/core/int128.hpp"
#include "theta_net/core/time.hpp"

namespace theta_net::replication {

inline constexpr std::uint64_t kDefaultBytesPerSecond = 1'000'000;  // 1 MB/s per client

class TokenBucket {
 public:
  // burst 0 = a tenth of a second of rate, but at least one full datagram.
  explicit TokenBucket(std::uint64_t bytes_per_second = kDefaultBytesPerSecond,
                       std::uint64_t burst_bytes = 0);

  // Bytes that may be sent at `now` (time never runs backwards; an earlier `now` is ignored).
  std::uint64_t available(Micros now);
  // Spends `bytes` (may go negative: the debt is paid before anything else is sent).
  void spend(std::uint64_t bytes);

  std::uint64_t rate() const { return rate_; }
  std::uint64_t burst() const { return burst_; }

 private:
  std::uint64_t rate_;
  std::uint64_t burst_;
  // Tokens in byte-nanoseconds per second units (bytes x 1e9), so refills never round away.
  int128_t tokens_;
  Micros last_{0};
  bool started_ = false;
};

}  // namespace theta_net::replication
