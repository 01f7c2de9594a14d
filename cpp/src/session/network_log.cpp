#include "theta_net/session/network_log.hpp"

#include <algorithm>

namespace theta_net::session {

std::string_view network_log_kind_name(NetworkLogKind kind) {
  switch (kind) {
    case NetworkLogKind::kSessionStarted:
      return "session_started";
    case NetworkLogKind::kSessionEnded:
      return "session_ended";
    case NetworkLogKind::kRefused:
      return "refused";
    case NetworkLogKind::kPermissionDenied:
      return "permission_denied";
    case NetworkLogKind::kSessionControl:
      return "session_control";
    case NetworkLogKind::kDataRefused:
      return "data_refused";
    case NetworkLogKind::kResync:
      return "resync";
    case NetworkLogKind::kKick:
      return "kick";
    case NetworkLogKind::kSlowFrame:
      return "slow_frame";
  }
  return "unknown";
}

std::uint64_t NetworkLog::add(NetworkLogEntry entry) {
  entry.seq = next_seq_++;
  if (entries_.size() == capacity_) {
    entries_.pop_front();
    ++dropped_;
  }
  entries_.push_back(std::move(entry));
  return entries_.back().seq;
}

std::vector<NetworkLogEntry> NetworkLog::after(std::uint64_t after, std::size_t limit) const {
  // Sequence numbers are consecutive, so the first entry past `after` is found by arithmetic.
  const std::uint64_t first = first_seq();
  const std::size_t skip =
      after < first
          ? 0
          : static_cast<std::size_t>(std::min<std::uint64_t>(after - first + 1, entries_.size()));
  std::size_t begin = skip;
  if (entries_.size() - begin > limit) begin = entries_.size() - limit;
  return {entries_.begin() + static_cast<std::ptrdiff_t>(begin), entries_.end()};
}

}  // namespace theta_net::session
