// LamportClock: the logical clock that orders signed commands. An author stamps each command
// with one more than the largest clock it has seen (its own commands and the replicated log's);
// the server applies the commands of one step in the order (Lamport clock, author key), so a
// command an author wrote after seeing another's always comes after it.
#pragma once

#include <algorithm>
#include <cstdint>

namespace theta_net::collab {

class LamportClock {
 public:
  // The largest clock seen or stamped so far (0: none).
  std::uint64_t time() const { return time_; }
  // A clock seen on a command (another author's, or the replicated log's).
  void observe(std::uint64_t seen) { time_ = std::max(time_, seen); }
  // The stamp of a new event: one more than the largest seen, which it then is.
  std::uint64_t tick() { return ++time_; }

 private:
  std::uint64_t time_ = 0;
};

}  // namespace theta_net::collab
