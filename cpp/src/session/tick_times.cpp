#include "theta_net/session/tick_times.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace theta_net::session {

void TickTimes::record(Nanos spent) {
  const auto ns = static_cast<std::uint64_t>(std::max<Nanos::rep>(spent.count(), 0));
  ring_[count_ % kRecent] = static_cast<std::uint32_t>(std::min<std::uint64_t>(ns, UINT32_MAX));
  ++count_;
  total_ += spent;
  max_ = std::max(max_, spent);
}

Nanos TickTimes::quantile(double q) const {
  const std::size_t n = recent();
  if (n == 0) return Nanos{0};
  std::vector<std::uint32_t> sorted(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(n));
  const double clamped = std::clamp(q, 0.0, 1.0);
  const auto index = static_cast<std::size_t>(clamped * static_cast<double>(n - 1));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(index),
                   sorted.end());
  return Nanos(sorted[index]);
}

std::vector<double> TickTimes::recent_ms(std::size_t n) const {
  n = std::min(n, recent());
  std::vector<double> out;
  out.reserve(n);
  for (std::uint64_t i = count_ - n; i < count_; ++i)
    out.push_back(static_cast<double>(ring_[i % kRecent]) / 1e6);
  return out;
}

}  // namespace theta_net::session
