#include "theta_net/replication/token_bucket.hpp"

#include <algorithm>

namespace theta_net::replication {
namespace {

constexpr int128_t kScale = 1'000'000'000;

}  // namespace

TokenBucket::TokenBucket(std::uint64_t bytes_per_second, std::uint64_t burst_bytes)
    : rate_(bytes_per_second),
      burst_(burst_bytes != 0 ? burst_bytes : std::max<std::uint64_t>(bytes_per_second / 10, 1200)),
      tokens_(static_cast<int128_t>(burst_) * kScale) {}

std::uint64_t TokenBucket::available(Micros now) {
  if (!started_) {
    started_ = true;
    last_ = now;
  } else if (now > last_) {
    tokens_ += static_cast<int128_t>(Nanos(now - last_).count()) * rate_;
    tokens_ = std::min(tokens_, static_cast<int128_t>(burst_) * kScale);
    last_ = now;
  }
  return tokens_ <= 0 ? 0 : static_cast<std::uint64_t>(tokens_ / kScale);
}

void TokenBucket::spend(std::uint64_t bytes) {
  tokens_ -= static_cast<int128_t>(bytes) * kScale;
}

}  // namespace theta_net::replication
