// What the seeded load runs (data soak, collab fuzz) share: one client cut off from the server
// for a while, the check of that setting, the link a client gets, and nearest-rank quantiles.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/transport/link_model.hpp"

namespace theta_net::session {

struct ClientPartition {
  std::size_t client = 0;  // cN is cut off from the server, both ways
  Micros start{0};         // since the run began
  Micros length{0};
};

// Errors: kInvalidArgument (a client not among c0..c<clients-1>, a start before the run or a
// length that is not positive; the message names the setting).
Status check_partition(const std::optional<ClientPartition>& partition, std::size_t clients);

// `link` for client `index`, with the partition scheduled on it when it is that client's.
transport::LinkConfig partitioned_link(transport::LinkConfig link,
                                       const std::optional<ClientPartition>& partition,
                                       std::size_t index);

// The nearest-rank quantile q (0..1] of sorted values; T{} when there are none.
template <class T>
T nearest_rank(const std::vector<T>& sorted, double q) {
  if (sorted.empty()) return T{};
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace theta_net::session
