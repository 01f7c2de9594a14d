// BaselineHistory: the server's record of what it sent one client on the entities lane: for
// each packet since the newest acknowledged one (at most the last 32), the client's view after
// decoding it (the baseline plus the changes that packet carried) and whether the client
// acknowledged it. Older views are dropped as soon as a newer one is acknowledged. The next packet
// is coded against the newest acknowledged view still held; when none is (a long outage, a new
// client), against nothing: full state.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "theta_net/replication/world_state.hpp"

namespace theta_net::replication {

inline constexpr std::size_t kDefaultBaselineHistory = 32;

class BaselineHistory {
 public:
  explicit BaselineHistory(std::shared_ptr<const Schema> schema,
                           std::size_t capacity = kDefaultBaselineHistory);

  // Records the view the client holds once it decodes the packet of `tick` (ticks increase).
  void record(std::uint32_t tick, WorldState view);
  // A state to build the next view in: a retired view's buffers when there is one (dropped by
  // an acknowledgement or for room), else the oldest view's when the history is full (and that
  // view is not `keep`, the baseline in use), else a new state. Recycling keeps a client's
  // packets from allocating (and page-faulting) a whole view each time.
  WorldState spare(const WorldState* keep);
  // The client reports `tick` applied (InputBundle.last_server_tick); the views before it go. A
  // tick never sent, or no longer held, is ignored; returns whether it matched.
  bool acknowledge(std::uint32_t tick);

  struct Baseline {
    std::uint32_t tick = 0;  // 0 = nothing: full state
    const WorldState* view = nullptr;
  };
  // The newest acknowledged view still held, else the empty state with tick 0.
  Baseline baseline() const;
  std::uint32_t newest_acknowledged() const;

  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::size_t memory_bytes() const;  // the views held and the spare buffers
  // Forgets everything (the client reconnected or resynchronises).
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    std::uint32_t tick;
    bool acked;
    WorldState view;
  };
  void retire_front();  // drops the oldest view, keeping its buffers as a spare

  std::size_t capacity_;
  std::deque<Entry> entries_;
  std::vector<WorldState> spares_;
  WorldState empty_;
};

}  // namespace theta_net::replication
