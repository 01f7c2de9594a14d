#include "theta_net/replication/baseline_history.hpp"

#include <algorithm>
#include <utility>

namespace theta_net::replication {

BaselineHistory::BaselineHistory(std::shared_ptr<const Schema> schema, std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)), empty_(std::move(schema)) {}

void BaselineHistory::record(std::uint32_t tick, WorldState view) {
  if (!entries_.empty() && tick <= entries_.back().tick) {
    // Time went backwards (a restarted tick counter): the old views are no baselines any more.
    entries_.clear();
  }
  entries_.push_back({tick, false, std::move(view)});
  while (entries_.size() > capacity_) retire_front();
}

void BaselineHistory::retire_front() {
  // One spare is enough: a packet builds one view at a time.
  if (spares_.empty()) spares_.push_back(std::move(entries_.front().view));
  entries_.pop_front();
}

WorldState BaselineHistory::spare(const WorldState* keep) {
  if (!spares_.empty()) {
    WorldState view = std::move(spares_.back());
    spares_.pop_back();
    view.clear();
    return view;
  }
  if (entries_.size() >= capacity_ && &entries_.front().view != keep) {
    WorldState view = std::move(entries_.front().view);
    entries_.pop_front();
    view.clear();
    return view;
  }
  return WorldState(empty_.schema_ptr());
}

bool BaselineHistory::acknowledge(std::uint32_t tick) {
  // Ticks are sorted: binary search.
  auto it = std::lower_bound(entries_.begin(), entries_.end(), tick,
                             [](const Entry& e, std::uint32_t t) { return e.tick < t; });
  if (it == entries_.end() || it->tick != tick) return false;
  it->acked = true;
  // Views older than the newest acknowledged one can never be a baseline again: a server holds
  // only the views in flight (a round trip's worth), not the last 32.
  while (&entries_.front() != &*it) retire_front();
  return true;
}

BaselineHistory::Baseline BaselineHistory::baseline() const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->acked) return {it->tick, &it->view};
  }
  return {0, &empty_};
}

std::uint32_t BaselineHistory::newest_acknowledged() const {
  return baseline().tick;
}

std::size_t BaselineHistory::memory_bytes() const {
  std::size_t bytes = 0;
  for (const auto& e : entries_) bytes += sizeof(Entry) + e.view.memory_bytes();
  for (const auto& view : spares_) bytes += view.memory_bytes();
  return bytes;
}

}  // namespace theta_net::replication
